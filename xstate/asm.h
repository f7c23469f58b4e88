/* Helpers for xstate's hand-written .S files: the routine macros (base/asm_func.h) and the
 * CpuImage layout. Every routine is position-independent and follows
 * the component ABI documented in xstate/component.h. Assembler syntax, not C: clang-format
 * must not touch it. */
/* clang-format off */
#ifndef SIGCTX_XSTATE_ASM_H
#define SIGCTX_XSTATE_ASM_H

#include "base/asm_func.h"
#include "xstate/image_layout.h"

#endif
