/* Calls each component routine of a null-terminated list with rdi = image: the loop the hold
 * driver, the handler's irritator and the tests' capturing restorer all need.
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
  call *%rax
  add $8, %rbx
  jmp 1b
2:
  pop %rdi
  pop %rbx
  ret
SIGCTX_END(sigctx_run_routines)

SIGCTX_NOEXECSTACK
