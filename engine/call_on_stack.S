/* Runs a three-argument function on another stack:
 *
 *   void sigctx_call_on_stack(void (*fn)(void*, void*, void*), void* a, void* b, void* c,
 *                             void* stack_top)
 *
 * For a hold whose PKRU denies the key of the caller's stack (signal/altstack/pkey-denied):
 * nothing the function or the hold touches may live on a page that key protects. stack_top
 * must be 16-byte aligned; the caller's rsp is kept in rbp, which the function preserves. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_call_on_stack)
  push %rbp
  mov %rsp, %rbp
  mov %r8, %rsp
  mov %rdi, %rax
  mov %rsi, %rdi
  mov %rdx, %rsi
  mov %rcx, %rdx
  call *%rax
  mov %rbp, %rsp
  pop %rbp
  ret
SIGCTX_END(sigctx_call_on_stack)

SIGCTX_NOEXECSTACK
