/* fsbase_pkru: FS base, GS base and PKRU rewritten mid-routine with WRFSBASE/WRGSBASE/WRPKRU,
 * each an xor with a constant (FS/GS stay canonical; PKRU only toggles key 1, never key 0's
 * rights), between GPR work. rax, rcx and rdx serve as scratch and are spilled to the stack. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(fsbase_pkru)
  lea -32(%rsp), %rsp
  mov %rax, 0(%rsp)
  mov %rcx, 8(%rsp)
  mov %rdx, 16(%rsp)
  .rept 3
  rdfsbase %rax
  xor $0x1000, %rax
  wrfsbase %rax
  add %r8, %r9
  xor %ecx, %ecx
  rdpkru
  xor $0x0c, %eax
  xor %edx, %edx
  wrpkru
  rol $5, %r9
  rdgsbase %rax
  xor $0x2000, %rax
  wrgsbase %rax
  sub %r9, %r10
  .endr
  mov 0(%rsp), %rax
  mov 8(%rsp), %rcx
  mov 16(%rsp), %rdx
  lea 32(%rsp), %rsp
  ret
SIGCTX_ROUTINE_CODE_END(fsbase_pkru)
SIGCTX_ROUTINE_END(fsbase_pkru)

SIGCTX_NOEXECSTACK
