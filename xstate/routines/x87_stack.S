/* x87_stack: a full x87 stack permuted by FXCH, FINCSTP/FDECSTP (TOP moves, tags stay) and FCHS,
 * with the control word changed mid-routine: the incoming FCW is first folded into r8w, so it
 * still counts, then round-down single precision and later round-up double precision are
 * loaded. Control words go through the red zone, which signal delivery never touches. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(x87_stack)
  .rept 3
  fxch %st(3)
  fchs
  fxch %st(5)
  fincstp
  fxch %st(2)
  fchs
  fdecstp
  fdecstp
  fxch %st(7)
  fincstp
  .endr
  fnstcw -8(%rsp)
  xor -8(%rsp), %r8w
  movw $0x047f, -16(%rsp)
  fldcw -16(%rsp)
  .rept 2
  fxch %st(1)
  fchs
  fxch %st(6)
  fincstp
  fxch %st(4)
  fdecstp
  .endr
  fnstcw -8(%rsp)
  xor -8(%rsp), %r9w
  movw $0x0a7f, -16(%rsp)
  fldcw -16(%rsp)
  fxch %st(2)
  fchs
  ret
SIGCTX_ROUTINE_CODE_END(x87_stack)
SIGCTX_ROUTINE_END(x87_stack)

SIGCTX_NOEXECSTACK
