/* A signal restorer for tests: it runs right after the handler's `ret`, before rt_sigreturn,
 * and stores every register the handler left into sigctx_test_captured. GPRs and RFLAGS go
 * first through RIP-relative stores (no register needed); then the component store routines in
 * sigctx_test_capture_stores run. The frame lies above rsp, so the stack below is free. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_test_capture_restorer)
  mov %rax, sigctx_test_captured + IMG_RAX(%rip)
  mov %rcx, sigctx_test_captured + IMG_RCX(%rip)
  mov %rdx, sigctx_test_captured + IMG_RDX(%rip)
  mov %rbx, sigctx_test_captured + IMG_RBX(%rip)
  mov %rbp, sigctx_test_captured + IMG_RBP(%rip)
  mov %rsi, sigctx_test_captured + IMG_RSI(%rip)
  mov %rdi, sigctx_test_captured + IMG_RDI(%rip)
  mov %r8, sigctx_test_captured + IMG_R8(%rip)
  mov %r9, sigctx_test_captured + IMG_R9(%rip)
  mov %r10, sigctx_test_captured + IMG_R10(%rip)
  mov %r11, sigctx_test_captured + IMG_R11(%rip)
  mov %r12, sigctx_test_captured + IMG_R12(%rip)
  mov %r13, sigctx_test_captured + IMG_R13(%rip)
  mov %r14, sigctx_test_captured + IMG_R14(%rip)
  mov %r15, sigctx_test_captured + IMG_R15(%rip)
  pushfq
  popq sigctx_test_captured + IMG_RFLAGS(%rip)
  cld
  pushfq
  andq $~RFLAGS_AC, (%rsp)
  popfq
  lea sigctx_test_captured(%rip), %rdi
  lea sigctx_test_capture_stores(%rip), %rsi
  call sigctx_run_routines
  mov $15, %eax /* rt_sigreturn */
  syscall
  ud2
SIGCTX_END(sigctx_test_capture_restorer)

SIGCTX_NOEXECSTACK
