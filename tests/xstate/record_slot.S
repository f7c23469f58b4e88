/* A component routine for the registry tests: records the slot address it was given (rsi) in
 * the first word of the image's extension area. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_test_record_slot)
  mov %rsi, IMG_EXT(%rdi)
  ret
SIGCTX_END(sigctx_test_record_slot)

SIGCTX_NOEXECSTACK
