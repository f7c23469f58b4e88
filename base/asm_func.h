/* The macros every hand-written .S file uses to declare its routines, from the bottom layer so
 * that any folder's assembly can use them. Assembler syntax, not C: clang-format must not touch
 * it. */
/* clang-format off */
#ifndef SIGCTX_BASE_ASM_FUNC_H
#define SIGCTX_BASE_ASM_FUNC_H

#define SIGCTX_FUNC(name) \
  .text;                  \
  .p2align 4;             \
  .globl name;            \
  .hidden name;           \
  .type name, @function;  \
  name:

#define SIGCTX_END(name) .size name, .- name

/* rax = XGETBV(1), the XINUSE bitmap. Clobbers rcx, rdx. */
#define SIGCTX_READ_XINUSE \
  mov $1, %ecx;            \
  xgetbv;                  \
  shl $32, %rdx;           \
  or %rdx, %rax

/* Marks the object as not needing an executable stack. */
#define SIGCTX_NOEXECSTACK .section .note.GNU-stack, "", @progbits

#endif
