// alloc/go-preempt/memclr: Go's asynchronous preemption (go#35326, illumos-15254), SIGURG from
// another thread while memclr zeroes a heap from ymm0. A profile: it runs for --duration seconds
// and reports zeroing throughput with and without the storm (engine/routine_case.h).
#include "alloc/go_preempt_cases.h"

#include "engine/routine_case.h"

namespace sigctx {

namespace {

constexpr RoutineKindRow kGoPreempt = {
    RoutineKind::kGoPreempt,
    "go-preempt",
    "sweeps a 64 MiB heap for a fixed time (--duration, default 10 s) under a SIGURG storm from a "
    "sibling thread, the handler clobbering every component; every slice must come back zero and "
    "the registers as without signals; reports zeroing throughput with and without the storm "
    "and the signals delivered",
    Injector::kAsync,
    HandlerAction::kClobber,
    1,
    "alloc",
    "memclr",
    "go-preempt"};

}  // namespace

std::vector<CaseDescriptor> go_preempt_cases() {
  std::vector<CaseDescriptor> out;
  add_routine_cases(kGoPreempt, out);
  return out;
}

}  // namespace sigctx
