/* sse_memclr: XMM0 zeroed once, then a loop of 16-byte aligned MOVDQA stores of it over
 * [rdi, rdi + rcx), four a round. A kernel that hands XMM0 back with another value after a
 * signal (FreeBSD's xmm8-15 class, for the low registers) writes it into "zeroed" memory.
 * rdi must be 16-byte aligned and rcx a non-zero multiple of 64. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(sse_memclr)
  pxor %xmm0, %xmm0
1:
  movdqa %xmm0, 0(%rdi)
  movdqa %xmm0, 16(%rdi)
  movdqa %xmm0, 32(%rdi)
  movdqa %xmm0, 48(%rdi)
  add $64, %rdi
  sub $64, %rcx
  jnz 1b
  ret
SIGCTX_ROUTINE_CODE_END(sse_memclr)
SIGCTX_ROUTINE_END(sse_memclr)

SIGCTX_NOEXECSTACK
