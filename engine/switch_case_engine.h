// Context switches: N units (threads of one process, or processes) pinned to one CPU, each
// holding its own pattern in every component of the case while the scheduler switches between
// them. A value that comes back from another unit is classified with the unit it came from.
#pragma once

#include <string>

#include "engine/case.h"

namespace sigctx {

enum class SwitchMode {
  kYield,    // a loop of sched_yield system calls
  kFutex,    // a loop of 100 us futex sleeps (the CPU idles between them)
  kSpin,     // spinning until told to stop: only the timer switches the units
  kMigrate,  // spinning while the controller moves every unit between two CPUs
};
const char* switch_mode_name(SwitchMode m);

enum class SwitchUnit { kThread, kProcess };

struct SwitchCaseSpec {
  SwitchMode mode = SwitchMode::kYield;
  SwitchUnit unit = SwitchUnit::kThread;
  ComponentMask components = 0;  // 0 = every available component
  // Shapes across units and components. false: every unit holds lane patterns in a case of
  // every component, and alternates lanes (even units) and init values (odd units) in a case of
  // one component. true: lanes where unit + component id is even, init values elsewhere.
  bool mixed = false;
};

void run_switch_case(const SwitchCaseSpec& spec, const CaseContext& ctx, CaseResult& r);

constexpr unsigned kSwitchUnits = 4;

}  // namespace sigctx
