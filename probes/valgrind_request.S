/* valgrind's client-request protocol (valgrind.h, amd64): a "special instruction preamble" of four
 * rotates of %rdi whose amounts add up to 128, so natively it leaves %rdi unchanged, followed by
 * xchgq %rbx,%rbx, itself a no-op. valgrind's JIT recognises the exact byte sequence and instead
 * serves the request described by the block %rax points to (request code, then five arguments),
 * returning the answer in %rdx. %rdx holds the default answer, which is what natively stays there.
 *
 * Written as a .S routine rather than valgrind.h's inline asm so no valgrind headers are needed
 * at build time and it works the same in a static binary. */
#include "base/asm_func.h"

#define VG_USERREQ_RUNNING_ON_VALGRIND 0x1001

/* unsigned long sigctx_running_on_valgrind(void) */
SIGCTX_FUNC(sigctx_running_on_valgrind)
  /* Request block of six quadwords on the stack; 56 keeps %rsp 16-byte aligned. */
  sub $56, %rsp
  movq $VG_USERREQ_RUNNING_ON_VALGRIND, 0(%rsp)
  movq $0, 8(%rsp)
  movq $0, 16(%rsp)
  movq $0, 24(%rsp)
  movq $0, 32(%rsp)
  movq $0, 40(%rsp)
  mov %rsp, %rax
  xor %edx, %edx
  rolq $3, %rdi
  rolq $13, %rdi
  rolq $61, %rdi
  rolq $51, %rdi
  xchgq %rbx, %rbx
  mov %rdx, %rax
  add $56, %rsp
  ret
SIGCTX_END(sigctx_running_on_valgrind)

SIGCTX_NOEXECSTACK
