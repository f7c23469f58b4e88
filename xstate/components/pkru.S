/* pkru: WRPKRU / RDPKRU (ECX and EDX must be zero). */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_pkru_load)
  mov IMG_PKRU(%rdi), %eax
  xor %ecx, %ecx
  xor %edx, %edx
  wrpkru
  ret
SIGCTX_END(sigctx_pkru_load)

SIGCTX_FUNC(sigctx_pkru_store)
  xor %ecx, %ecx
  rdpkru
  mov %eax, IMG_PKRU(%rdi)
  ret
SIGCTX_END(sigctx_pkru_store)

SIGCTX_NOEXECSTACK
