/* memclr: Go's AVX memclr shape (runtime·memclrNoHeapPointers): YMM0 zeroed once, then a loop
 * of 32-byte VMOVDQU stores of it over [rdi, rdi + rcx). A kernel that restores only the XMM
 * half of YMM0 after a signal makes the stores write the handler's upper half: the
 * illumos-15254 heap corruption. rcx must be a non-zero multiple of 128. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(memclr)
  vxorps %ymm0, %ymm0, %ymm0
1:
  vmovdqu %ymm0, 0(%rdi)
  vmovdqu %ymm0, 32(%rdi)
  vmovdqu %ymm0, 64(%rdi)
  vmovdqu %ymm0, 96(%rdi)
  add $128, %rdi
  sub $128, %rcx
  jnz 1b
  ret
SIGCTX_ROUTINE_CODE_END(memclr)
SIGCTX_ROUTINE_END(memclr)

SIGCTX_NOEXECSTACK
