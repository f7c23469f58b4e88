#include "switch/switch_cases.h"

#include <fmt/format.h>

#include "engine/switch_case_engine.h"
#include "engine/switch_variants.h"
#include "switch/yield_reproducer.h"

namespace sigctx {

namespace {

struct ModeInfo {
  SwitchMode mode;
  const char* injector;
  const char* what;
};

constexpr ModeInfo kModes[] = {
    {SwitchMode::kYield, "sched_yield loop",
     "4 threads pinned to one CPU each call sched_yield 64 times while holding their patterns"},
    {SwitchMode::kFutex, "futex sleep loop",
     "4 threads pinned to one CPU each sleep 16 times for 100 us in FUTEX_WAIT while holding "
     "their patterns"},
    {SwitchMode::kSpin, "timer preemption",
     "4 threads pinned to one CPU spin for 30 ms holding their patterns; only the scheduler's "
     "timer switches them"},
    {SwitchMode::kMigrate, "sched_setaffinity from another thread",
     "4 threads spin holding their patterns while another thread moves each of them between two "
     "CPUs 8 times"},
};

}  // namespace

std::vector<CaseDescriptor> switch_cases() {
  std::vector<CaseDescriptor> cases;
  for (const ModeInfo& mi : kModes)
    for (const SwitchVariant& v : switch_variants()) {
      CaseDescriptor d =
          make_switch_case(fmt::format("switch/{}/{}", switch_mode_name(mi.mode), v.name),
                           fmt::format("{}: {}; every value must come back as the thread left it",
                                       v.description, mi.what),
                           {mi.mode, SwitchUnit::kThread, v.components, v.mixed}, v);
      d.injector = mi.injector;
      if (mi.mode == SwitchMode::kYield)
        d.reproducer = [v](const Machine&) { return yield_reproducer(v); };
      cases.push_back(std::move(d));
    }
  return cases;
}

}  // namespace sigctx
