/* Hand-written pieces for bench/context_bench.cpp.
 *
 * sigctx_bench_switch(void** save_sp, void* load_sp): the smallest user-level context switch,
 * what coroutine libraries do: push the callee-saved GPRs, park rsp in *save_sp, take load_sp,
 * pop the other side's registers and return into it. No signal mask, no FPU state: that is
 * what it saves against swapcontext.
 *
 * sigctx_bench_dirty_avx / sigctx_bench_clean_avx: leave YMM0-15's upper halves in use (all
 * ones) or in their init state (VZEROUPPER), for the futex ping-pong's two kinds of switch.
 * Only called where the CPU and OS have AVX. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_bench_switch)
  push %rbp
  push %rbx
  push %r12
  push %r13
  push %r14
  push %r15
  mov %rsp, (%rdi)
  mov %rsi, %rsp
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %rbx
  pop %rbp
  ret
SIGCTX_END(sigctx_bench_switch)

SIGCTX_FUNC(sigctx_bench_dirty_avx)
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  vpcmpeqd %ymm\n, %ymm\n, %ymm\n
  .endr
  ret
SIGCTX_END(sigctx_bench_dirty_avx)

SIGCTX_FUNC(sigctx_bench_clean_avx)
  vzeroupper
  ret
SIGCTX_END(sigctx_bench_clean_avx)

SIGCTX_NOEXECSTACK
