/* nt_memclr: XMM0 zeroed once, a loop of non-temporal MOVNTDQ stores over [rdi, rdi + rcx),
 * then SFENCE, as large memclr implementations stream past the cache. Write-combining buffers
 * hold the stores until the fence: a signal between them must neither lose nor reorder them
 * against the handler's own stores. rdi 16-byte aligned, rcx a non-zero multiple of 64. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(nt_memclr)
  pxor %xmm0, %xmm0
1:
  movntdq %xmm0, 0(%rdi)
  movntdq %xmm0, 16(%rdi)
  movntdq %xmm0, 32(%rdi)
  movntdq %xmm0, 48(%rdi)
  add $64, %rdi
  sub $64, %rcx
  jnz 1b
  sfence
  ret
SIGCTX_ROUTINE_CODE_END(nt_memclr)
SIGCTX_ROUTINE_END(nt_memclr)

SIGCTX_NOEXECSTACK
