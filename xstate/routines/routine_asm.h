/* Conventions for the dirty routines (see xstate/routines/routine.h). A routine is entered by
 * `call` from the hold driver with every component loaded and returns with rsp unchanged. It
 * only moves state through registers (and, for memclr, a buffer whose address is in rdi), keeps
 * every live register contributing to its output (each step is a bijection of the state, or
 * folds a value it is about to overwrite into another register), never executes PUSHF/POPF (the
 * step injector's TF lives in RFLAGS), and references nothing outside its own bytes, so a copy
 * of it runs anywhere (the int3 injector patches a copy).
 *
 * SIGCTX_ROUTINE(name) opens a routine; SIGCTX_ROUTINE_CODE_END(name) marks the end of its
 * instructions, whose boundaries the injectors fire at; SIGCTX_ROUTINE_END(name) closes it. */
/* clang-format off */
#ifndef SIGCTX_XSTATE_KERNELS_KERNEL_ASM_H
#define SIGCTX_XSTATE_KERNELS_KERNEL_ASM_H

#include "xstate/asm.h"

#define SIGCTX_ROUTINE(name) SIGCTX_FUNC(sigctx_routine_##name)

#define SIGCTX_ROUTINE_CODE_END(name)       \
  .globl sigctx_routine_##name##_code_end; \
  .hidden sigctx_routine_##name##_code_end; \
  sigctx_routine_##name##_code_end:

#define SIGCTX_ROUTINE_END(name)       \
  .globl sigctx_routine_##name##_end; \
  .hidden sigctx_routine_##name##_end; \
  sigctx_routine_##name##_end:       \
  SIGCTX_END(sigctx_routine_##name)

#endif
