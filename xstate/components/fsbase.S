/* fsbase: WRFSBASE / RDFSBASE where the kernel enabled FSGSBASE, arch_prctl otherwise.
 * The store routine puts the host value back after reading: compiled code runs right after
 * the store and needs the real TLS base. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_fsbase_load_insn)
  mov IMG_FSBASE(%rdi), %rax
  wrfsbase %rax
  ret
SIGCTX_END(sigctx_fsbase_load_insn)

SIGCTX_FUNC(sigctx_fsbase_store_insn)
  rdfsbase %rax
  mov %rax, IMG_FSBASE(%rdi)
  mov IMG_HOST_FSBASE(%rdi), %rax
  wrfsbase %rax
  ret
SIGCTX_END(sigctx_fsbase_store_insn)

SIGCTX_FUNC(sigctx_fsbase_load_syscall)
  push %rdi
  mov IMG_FSBASE(%rdi), %rsi
  mov $SIGCTX_ARCH_SET_FS, %edi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  pop %rdi
  ret
SIGCTX_END(sigctx_fsbase_load_syscall)

SIGCTX_FUNC(sigctx_fsbase_store_syscall)
  push %rdi
  lea IMG_FSBASE(%rdi), %rsi
  mov $SIGCTX_ARCH_GET_FS, %edi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  mov (%rsp), %rdi
  mov IMG_HOST_FSBASE(%rdi), %rsi
  mov $SIGCTX_ARCH_SET_FS, %edi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  pop %rdi
  ret
SIGCTX_END(sigctx_fsbase_store_syscall)

SIGCTX_NOEXECSTACK
