/* Puts XSAVE state components into their architectural init state: XRSTOR from an area whose
 * XSTATE_BV is zero, with RFBM = the image's init mask. This is the only way to reach the init
 * state a kernel's init tracking sees (XINUSE clear) for x87, SSE, AVX and AVX-512: writing
 * zeros with ordinary instructions leaves the components marked in use. XRSTOR takes MXCSR from
 * the area whenever SSE or AVX is requested, so the area holds the init MXCSR.
 *
 *   rdi = image (IMG_INIT_MASK). Clobbers rax, rdx. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_xstate_init_load)
  mov IMG_INIT_MASK(%rdi), %rax
  mov %rax, %rdx
  shr $32, %rdx
  xrstor64 sigctx_xstate_init_area(%rip)
  ret
SIGCTX_END(sigctx_xstate_init_load)

  .section .rodata
  .p2align 6
sigctx_xstate_init_area:
  .zero 24
  .long 0x1f80 /* MXCSR */
  .long 0      /* MXCSR_MASK (ignored by XRSTOR) */
  .zero 512 + 64 - 32 /* rest of the legacy area, then a zero XSAVE header */

SIGCTX_NOEXECSTACK
