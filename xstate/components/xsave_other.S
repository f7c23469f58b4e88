/* xsave_other: the bound component through XRSTOR and XSAVE, standard format, with the area at
 * image + IMG_XGEN - 512 so that its header and components land in the image's XSAVE region.
 * The mask is the image's copy of sigctx_xsave_other_rfbm (IMG_XGEN_RFBM: one extended
 * component, never x87 or SSE: the legacy region, which here overlaps other image fields, is
 * neither read nor written); no global is read, so the routines work under any PKRU that lets
 * them reach the image.
 *
 * Clobbers rax, rcx, rdx, rsi and the arithmetic flags. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_xsave_other_load)
  mov IMG_XGEN_RFBM(%rdi), %rax
  mov %rax, %rdx
  shr $32, %rdx
  xrstor64 (IMG_XGEN - IMG_XGEN_XSAVE_BASE)(%rdi)
  ret
SIGCTX_END(sigctx_xsave_other_load)

SIGCTX_FUNC(sigctx_xsave_other_store)
  /* XSAVE leaves a component in its init state unwritten: zero the region first, so that it
   * reads as the init state (all zeros for components 2 and up). */
  lea IMG_XGEN(%rdi), %rsi
  mov $(IMG_XGEN_BYTES / 8), %ecx
1:
  movq $0, (%rsi)
  add $8, %rsi
  dec %ecx
  jnz 1b
  mov IMG_XGEN_RFBM(%rdi), %rax
  mov %rax, %rdx
  shr $32, %rdx
  xsave64 (IMG_XGEN - IMG_XGEN_XSAVE_BASE)(%rdi)
  ret
SIGCTX_END(sigctx_xsave_other_store)

SIGCTX_NOEXECSTACK
