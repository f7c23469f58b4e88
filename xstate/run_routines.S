/* Calls each component routine of a list of {routine, slot offset} pairs ending in a null
 * routine, with rdi = image and rsi = image + slot offset: the loop the hold driver, the
 * handler's irritator and the tests' capturing restorer all need.
 *
 *   rdi = image, rsi = list. Clobbers what component routines may clobber (rax, rcx, rdx, rsi,
 *   r8-r11, arithmetic flags); preserves every other GPR. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_run_routines)
  push %rbx
  push %rdi
  mov %rsi, %rbx
1:
  mov (%rbx), %rax
  test %rax, %rax
  jz 2f
  mov (%rsp), %rdi
  mov 8(%rbx), %rsi
  add %rdi, %rsi
  call *%rax
  add $16, %rbx
  jmp 1b
2:
  pop %rdi
  pop %rbx
  ret
SIGCTX_END(sigctx_run_routines)

SIGCTX_NOEXECSTACK
