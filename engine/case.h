// The case model. A case is data: an id, what it checks and why, the catalog bugs it guards
// against, what it needs, and the function that runs it in a forked child and fills a result.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/emulation.h"
#include "engine/fault.h"
#include "engine/injection.h"
#include "engine/reproducer.h"
#include "model/case_result.h"
#include "probes/machine.h"
#include "xstate/component.h"

namespace sigctx {

// What a run changes about every case it runs.
struct RunControls {
  FaultSpec fault;               // inactive unless --inject-fault
  InjectionOverrides injection;  // --injector, --at, --stride
  // --emulate BUG: active in the case's child before the case runs (engine/emulation.h).
  const Emulation* emulation = nullptr;
  double duration_s = 0;  // --duration: a profile case's running time; 0: its default
};

// What one case is run with: the run's controls, the machine and the case's own seed.
struct CaseContext : RunControls {
  CaseContext(const Machine& m, uint64_t case_seed, const RunControls& controls)
      : RunControls(controls), machine(m), seed(case_seed) {}
  const Machine& machine;
  uint64_t seed = 0;
};

struct CaseDescriptor {
  std::string id;                   // "signal/sync/avx"
  std::string description;          // one sentence: what is checked
  std::vector<std::string> guards;  // catalog bug ids (see runners/bug_catalog.h)
  std::string transition;           // "signal/sync"
  std::string handler;              // what the handler does: "clobber", "frame-inspect", ...
  std::string injector;             // how the transition is fired: "raw tgkill syscall", ...
  std::string routine;              // the asm routine holding the state: "sigctx_hold"
  ComponentMask components = 0;     // loaded and checked; 0 when not component-specific
  // Non-empty: the case belongs to this profile (runners/profiles.h). It runs for a fixed time,
  // so it is selected only by `--profile NAME` or by its exact id, never by a default run or a
  // glob.
  std::string profile;
  // The executor prepares every available component (AMX permission) in the case's process
  // before it runs; a case that checks what happens without that preparation opts out.
  bool prepares_components_itself = false;
  // --at and --stride choose where it injects: the dirty-routine cases that trace boundaries.
  bool takes_boundaries = false;
  // Whether the case can run here; the reason names what is missing.
  std::function<Availability(const Machine&)> applicable;
  std::function<void(const CaseContext&, CaseResult&)> run;
  // The case as a standalone C program (`sigctx reproduce`); unset: the family has none.
  std::function<ReproducerPlan(const Machine&)> reproducer;
};

}  // namespace sigctx
