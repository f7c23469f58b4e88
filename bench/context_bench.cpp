// Context switches (issue 10): swapcontext against getcontext/setcontext against a hand-written
// switch of the callee-saved GPRs, all in one thread; and a thread switch, two threads on one
// CPU handing a futex back and forth, with YMM state clean (VZEROUPPER) against dirty (every
// upper half in use), so the kernel's XSAVE of a larger state shows.
#include <benchmark/benchmark.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "bench/bench_support.h"
#include "xstate/component_registry.h"

extern "C" {
void sigctx_bench_switch(void** save_sp, void* load_sp);
void sigctx_bench_dirty_avx();
void sigctx_bench_clean_avx();
}

namespace sigctx {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kStackBytes = 64 * 1024;

// ns_per_event: the time since t0 over the switches made; x_getppid its ratio to a getppid.
void report_per_switch(benchmark::State& state, Clock::time_point t0, unsigned per_iteration) {
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  const double per = ns / (per_iteration * static_cast<double>(state.iterations()));
  state.counters["ns_per_event"] = per;
  state.counters["x_getppid"] = per / getppid_ns();
}

// --- the hand-written switch: a coroutine that switches straight back ---
void* g_main_sp = nullptr;
void* g_coroutine_sp = nullptr;

extern "C" void sigctx_bench_coroutine() {
  for (;;)
    sigctx_bench_switch(&g_coroutine_sp, g_main_sp);
}

void BM_SwitchAsm(benchmark::State& state) {
  auto stack = std::make_unique<uint64_t[]>(kStackBytes / 8);
  // From the 16-byte aligned top down: a zero return address for the coroutine's own frame,
  // the address `ret` enters it at (so rsp % 16 == 8 there, as after a call), and the six
  // callee-saved registers the switch pops.
  uint64_t* top = stack.get() + kStackBytes / 8;
  top[-1] = 0;
  top[-2] = reinterpret_cast<uint64_t>(&sigctx_bench_coroutine);
  for (int i = 3; i <= 8; ++i)
    top[-i] = 0;
  g_coroutine_sp = top - 8;
  const auto t0 = Clock::now();
  for (auto _ : state)
    sigctx_bench_switch(&g_main_sp, g_coroutine_sp);  // there and back: two switches
  report_per_switch(state, t0, 2);
}
BENCHMARK(BM_SwitchAsm);

// --- swapcontext: the same round trip through glibc (which also sets the signal mask) ---
ucontext_t g_main_uc, g_coroutine_uc;

void swapcontext_coroutine() {
  for (;;)
    swapcontext(&g_coroutine_uc, &g_main_uc);
}

void BM_Swapcontext(benchmark::State& state) {
  auto stack = std::make_unique<uint8_t[]>(kStackBytes);
  getcontext(&g_coroutine_uc);
  g_coroutine_uc.uc_stack.ss_sp = stack.get();
  g_coroutine_uc.uc_stack.ss_size = kStackBytes;
  g_coroutine_uc.uc_link = nullptr;
  makecontext(&g_coroutine_uc, swapcontext_coroutine, 0);
  const auto t0 = Clock::now();
  for (auto _ : state)
    swapcontext(&g_main_uc, &g_coroutine_uc);
  report_per_switch(state, t0, 2);
}
BENCHMARK(BM_Swapcontext);

// --- getcontext + setcontext: one resume of a saved context per iteration ---
void BM_GetcontextSetcontext(benchmark::State& state) {
  ucontext_t uc;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    volatile bool resumed = false;
    getcontext(&uc);
    if (!resumed) {
      resumed = true;
      setcontext(&uc);
    }
  }
  report_per_switch(state, t0, 1);
}
BENCHMARK(BM_GetcontextSetcontext);

// --- two threads on one CPU handing a futex word back and forth ---
long futex(std::atomic<uint32_t>* word, int op, uint32_t value) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, nullptr, nullptr, 0);
}

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// turn: 0 = the main thread runs, 1 = the partner. Each side, with its turn done, passes it and
// sleeps until it comes back. dirty: both sides leave YMM upper halves in use at each switch.
void futex_ping_pong(benchmark::State& state, bool dirty) {
  if (!component(ComponentId::kAvx).availability(bench_machine()).ok) {
    state.SkipWithError("no AVX here: nothing to make dirty");
    return;
  }
  std::atomic<uint32_t> turn{0};
  std::atomic<bool> stop{false};
  auto touch = dirty ? sigctx_bench_dirty_avx : sigctx_bench_clean_avx;
  if (!pin_to(0)) {
    state.SkipWithError("cannot pin to CPU 0");
    return;
  }
  std::thread partner([&] {
    pin_to(0);
    for (;;) {
      while (turn.load(std::memory_order_acquire) != 1)
        futex(&turn, FUTEX_WAIT_PRIVATE, 0);
      if (stop.load()) return;
      touch();
      turn.store(0, std::memory_order_release);
      futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    }
  });
  const auto t0 = Clock::now();
  for (auto _ : state) {
    touch();
    turn.store(1, std::memory_order_release);
    futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    while (turn.load(std::memory_order_acquire) != 0)
      futex(&turn, FUTEX_WAIT_PRIVATE, 1);
  }
  report_per_switch(state, t0, 2);  // one iteration: two thread switches
  stop.store(true);
  turn.store(1, std::memory_order_release);
  futex(&turn, FUTEX_WAKE_PRIVATE, 1);
  partner.join();
  sigctx_bench_clean_avx();
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    CPU_SET(c, &all);
  pthread_setaffinity_np(pthread_self(), sizeof all, &all);
}

void BM_FutexPingPongCleanAvx(benchmark::State& s) {
  futex_ping_pong(s, false);
}
BENCHMARK(BM_FutexPingPongCleanAvx)->UseRealTime();
void BM_FutexPingPongDirtyAvx(benchmark::State& s) {
  futex_ping_pong(s, true);
}
BENCHMARK(BM_FutexPingPongDirtyAvx)->UseRealTime();

}  // namespace
}  // namespace sigctx
