/* mxcsr_fcw: rounding control changed mid-routine, then used. The incoming MXCSR and FCW are
 * folded into r12 and r15; MXCSR is set to round toward zero and then up, each followed by a
 * CVTSD2SI of +-1.5 whose result depends on the rounding mode; FCW is set to round up and ST(0)
 * (a tiny positive pattern value) is stored with FIST, 1 rounding up and 0 to nearest. A kernel
 * that restores the wrong MXCSR or FCW at any boundary in between changes r13, r14 or rbx.
 * rax and xmm15 serve as scratch and are spilled to the stack around it, xmm15 as two 8-byte
 * halves: the pattern's RFLAGS may set AC, and AMD raises #AC (SIGBUS) for a MOVDQU to the
 * 8-byte-aligned spill slot where Intel does not. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(mxcsr_fcw)
  lea -64(%rsp), %rsp
  movq %xmm15, 0(%rsp)
  movhps %xmm15, 8(%rsp)
  mov %rax, 16(%rsp)
  stmxcsr 24(%rsp)
  mov 24(%rsp), %eax
  xor %rax, %r12
  movl $0x7f80, 28(%rsp)
  ldmxcsr 28(%rsp)
  movabs $0x3ff8000000000000, %rax
  movq %rax, %xmm15
  cvtsd2si %xmm15, %rax
  xor %rax, %r13
  movl $0x5f80, 28(%rsp)
  ldmxcsr 28(%rsp)
  movabs $0xbff8000000000000, %rax
  movq %rax, %xmm15
  cvtsd2si %xmm15, %rax
  add %rax, %r14
  fnstcw 32(%rsp)
  movzwl 32(%rsp), %eax
  xor %rax, %r15
  movw $0x0b7f, 34(%rsp)
  fldcw 34(%rsp)
  fistl 40(%rsp)
  mov 40(%rsp), %eax
  xor %rax, %rbx
  mov 16(%rsp), %rax
  movq 0(%rsp), %xmm15
  movhps 8(%rsp), %xmm15
  lea 64(%rsp), %rsp
  ret
SIGCTX_ROUTINE_CODE_END(mxcsr_fcw)
SIGCTX_ROUTINE_END(mxcsr_fcw)

SIGCTX_NOEXECSTACK
