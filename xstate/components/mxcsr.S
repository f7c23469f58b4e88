/* mxcsr: LDMXCSR / STMXCSR. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_mxcsr_load)
  ldmxcsr IMG_MXCSR(%rdi)
  ret
SIGCTX_END(sigctx_mxcsr_load)

SIGCTX_FUNC(sigctx_mxcsr_store)
  stmxcsr IMG_MXCSR(%rdi)
  ret
SIGCTX_END(sigctx_mxcsr_store)

SIGCTX_NOEXECSTACK
