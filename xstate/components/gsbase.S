/* gsbase: WRGSBASE / RDGSBASE where the kernel enabled FSGSBASE, arch_prctl otherwise.
 * The store routine puts the host value back after reading: compiled code runs right after
 * the store and must find GS base as it left it. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_gsbase_load_insn)
  mov IMG_GSBASE(%rdi), %rax
  wrgsbase %rax
  ret
SIGCTX_END(sigctx_gsbase_load_insn)

SIGCTX_FUNC(sigctx_gsbase_store_insn)
  rdgsbase %rax
  mov %rax, IMG_GSBASE(%rdi)
  mov IMG_HOST_GSBASE(%rdi), %rax
  wrgsbase %rax
  ret
SIGCTX_END(sigctx_gsbase_store_insn)

SIGCTX_FUNC(sigctx_gsbase_load_syscall)
  push %rdi
  mov IMG_GSBASE(%rdi), %rsi
  mov $SIGCTX_ARCH_SET_GS, %edi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  pop %rdi
  ret
SIGCTX_END(sigctx_gsbase_load_syscall)

SIGCTX_FUNC(sigctx_gsbase_store_syscall)
  push %rdi
  lea IMG_GSBASE(%rdi), %rsi
  mov $SIGCTX_ARCH_GET_GS, %edi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  mov (%rsp), %rdi
  mov IMG_HOST_GSBASE(%rdi), %rsi
  mov $SIGCTX_ARCH_SET_GS, %edi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  pop %rdi
  ret
SIGCTX_END(sigctx_gsbase_store_syscall)

SIGCTX_NOEXECSTACK
