/* sigctx_zero_sweep: the storm driver of a zeroing routine. The hold's ROUTINE_LOOP calls it in
 * place of the routine; each call takes the next slice (a multiple of 8 bytes, 64-byte aligned) of a large buffer, dirties it (0xa5 with
 * REP STOSB), calls the zeroing routine on it with every other register as the loop left it,
 * and checks that the slice came back all zero. The first slice that did not is recorded, with
 * a copy of its bytes, so a corruption that a later pass would zero again is still seen. The
 * slices wrap around. It clobbers nothing the routine does not (rax, rsi are put back) but the
 * arithmetic flags and DF, the same in the reference loop and under a storm. State lives in
 * sigctx_zero_sweep_state (struct ZeroSweepState in zero_sweep.h). */
#include "xstate/asm.h"

#define ZS_TARGET 0
#define ZS_BASE 8
#define ZS_SLICE 16
#define ZS_SLICES 24
#define ZS_INDEX 32
#define ZS_BAD 40
#define ZS_EVIDENCE 48
#define ZS_CURSOR 56
#define ZS_SAVED_RAX 64
#define ZS_SAVED_RCX 72
#define ZS_SAVED_RDI 80
#define ZS_SAVED_RSI 88
#define ZS_CALLS 96
#define ZS_STRIDE 104

#define ZS(field) sigctx_zero_sweep_state + field(%rip)

SIGCTX_FUNC(sigctx_zero_sweep)
  mov %rax, ZS(ZS_SAVED_RAX)
  mov ZS(ZS_INDEX), %rax
  imul ZS(ZS_STRIDE), %rax
  add ZS(ZS_BASE), %rax
  mov %rax, ZS(ZS_CURSOR)
  mov %rax, %rdi
  mov ZS(ZS_SLICE), %rcx
  mov $0xa5, %eax
  cld
  rep stosb
  mov ZS(ZS_CURSOR), %rdi
  mov ZS(ZS_SLICE), %rcx
  mov ZS(ZS_SAVED_RAX), %rax
  call *ZS(ZS_TARGET)
  /* The check: OR of every byte of the slice. */
  mov %rax, ZS(ZS_SAVED_RAX)
  mov %rcx, ZS(ZS_SAVED_RCX)
  mov %rdi, ZS(ZS_SAVED_RDI)
  mov %rsi, ZS(ZS_SAVED_RSI)
  mov ZS(ZS_CURSOR), %rdi
  mov ZS(ZS_SLICE), %rcx
  xor %eax, %eax
1:
  or (%rdi), %rax
  add $8, %rdi
  sub $8, %rcx
  jnz 1b
  test %rax, %rax
  jz 2f
  cmpq $-1, ZS(ZS_BAD)
  jne 2f
  mov ZS(ZS_INDEX), %rax
  mov %rax, ZS(ZS_BAD)
  mov ZS(ZS_CURSOR), %rsi
  mov ZS(ZS_EVIDENCE), %rdi
  mov ZS(ZS_SLICE), %rcx
  rep movsb
2:
  incq ZS(ZS_CALLS)
  mov ZS(ZS_INDEX), %rax
  inc %rax
  cmp ZS(ZS_SLICES), %rax
  jb 3f
  xor %eax, %eax
3:
  mov %rax, ZS(ZS_INDEX)
  mov ZS(ZS_SAVED_RSI), %rsi
  mov ZS(ZS_SAVED_RDI), %rdi
  mov ZS(ZS_SAVED_RCX), %rcx
  mov ZS(ZS_SAVED_RAX), %rax
  ret
SIGCTX_END(sigctx_zero_sweep)

  .data
  .balign 64
  .globl sigctx_zero_sweep_state
  .hidden sigctx_zero_sweep_state
sigctx_zero_sweep_state:
  .zero 128

SIGCTX_NOEXECSTACK
