/* Conventions for the dirty kernels (see xstate/kernels/kernel.h). A kernel is entered by
 * `call` from the hold driver with every component loaded and returns with rsp unchanged. It
 * only moves state through registers (and, for memclr, a buffer whose address is in rdi), keeps
 * every live register contributing to its output (each step is a bijection of the state, or
 * folds a value it is about to overwrite into another register), never executes PUSHF/POPF (the
 * step injector's TF lives in RFLAGS), and references nothing outside its own bytes, so a copy
 * of it runs anywhere (the int3 injector patches a copy).
 *
 * SIGCTX_KERNEL(name) opens a kernel; SIGCTX_KERNEL_CODE_END(name) marks the end of its
 * instructions, whose boundaries the injectors fire at; SIGCTX_KERNEL_END(name) closes it. */
/* clang-format off */
#ifndef SIGCTX_XSTATE_KERNELS_KERNEL_ASM_H
#define SIGCTX_XSTATE_KERNELS_KERNEL_ASM_H

#include "xstate/asm.h"

#define SIGCTX_KERNEL(name) SIGCTX_FUNC(sigctx_kernel_##name)

#define SIGCTX_KERNEL_CODE_END(name)       \
  .globl sigctx_kernel_##name##_code_end; \
  .hidden sigctx_kernel_##name##_code_end; \
  sigctx_kernel_##name##_code_end:

#define SIGCTX_KERNEL_END(name)       \
  .globl sigctx_kernel_##name##_end; \
  .hidden sigctx_kernel_##name##_end; \
  sigctx_kernel_##name##_end:       \
  SIGCTX_END(sigctx_kernel_##name)

#endif
