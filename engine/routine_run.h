// One run of a dirty routine inside the hold driver: plain (the reference), stepped with TF, or
// with a hardware breakpoint or an int3 at one dynamic boundary, the chosen transition firing
// at each injected boundary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/routine_trap.h"
#include "xstate/routines/routine.h"

namespace sigctx {

struct RoutineRunRequest {
  const DirtyRoutine* routine = nullptr;
  bool inject = true;  // false: the reference run, no trap at all
  Injector injector = Injector::kStep;
  HandlerAction action = HandlerAction::kClobber;
  BoundarySelection selection;  // step: which boundaries get the transition
  // Hardware breakpoint and int3: the one dynamic boundary, its instruction and which
  // execution of that instruction it is.
  uint64_t target_dynamic = 0;
  uint32_t target_offset = 0;
  uint64_t occurrence = 1;
  bool capture = false;                    // snapshot the restored state at each injected boundary
  std::vector<uint32_t>* trace = nullptr;  // record the instruction offset per boundary
  FrameRecord* frames = nullptr;           // record / check frames
  ComponentMask compared = 0;
  const CpuImage* edit_values = nullptr;  // kEdit: the edited register's new value
  int64_t fault_boundary = -1;
  bool force_fsetsig = false;  // hwbp: use the F_SETSIG route even where sigtrap works
};

struct RoutineRunResult {
  std::string error;  // the run could not be set up (no breakpoints here, ...)
  uint64_t boundaries = 0;
  uint64_t injected = 0;
  int64_t edit_failed_at = -1;
  int64_t frame_mismatch_at = -1;
  bool captured = false;
  HandlerObservation capture_entry{};  // FS/GS base as the capture signal found them
};

// Runs the routine once: in -> (routine) -> out. The loaders/stores lists and the handlers for
// SIGTRAP, the nested and the capture signals must be in place (see routine_cases.cpp).
RoutineRunResult run_routine(const Machine& m, const RoutineRunRequest& req, const HoldPlan& plan,
                             const CpuImage& in, CpuImage& out, FrameSnapshot* capture);

}  // namespace sigctx
