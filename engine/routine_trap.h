// What the signal handler does when a dirty routine traps (SIGTRAP from TF, a hardware
// breakpoint or an int3) and when the capture signal arrives. One routine run at a time per
// process; the case sets this up (routine_run.cpp) and the handler follows it.
#pragma once

#include <signal.h>

#include <cstdint>
#include <vector>

#include "engine/frame.h"
#include "engine/handler.h"
#include "engine/injection.h"

namespace sigctx {

// The signal raised from the SIGTRAP handler for the nested transition: blocked in SIGTRAP's
// mask, so it is delivered right after sigreturn, at the same boundary.
constexpr int kStepNestedSignal = SIGUSR1;
// The signal that snapshots the state a sigreturn restored, before the boundary's instruction
// runs (diagnosis of a failing boundary).
constexpr int kCaptureSignal = SIGPROF;

// Frames recorded per dynamic boundary in a reference run: Linux's 23 gregs, then the fpstate
// bytes, in one arena allocated before the run (the handler must not allocate).
struct FrameRecord {
  size_t stride = 0, capacity = 0, count = 0;
  std::vector<uint8_t> arena;
  uint64_t fpstate_address = 0;  // nonzero when the frames had FPU state
  uint64_t rsp_base = 0;         // rsp at boundary 0: runs compare rsp relative to it
  void prepare(size_t boundaries, size_t fpstate_bytes);
  uint8_t* slot(size_t i) { return arena.data() + i * stride; }
};

struct RoutineTrapState {
  bool active = false;
  Injector injector = Injector::kStep;
  HandlerAction action = HandlerAction::kClobber;
  BoundarySelection selection;
  bool capture = false;  // raise kCaptureSignal at each injected boundary

  uint64_t code_start = 0, code_end = 0;  // the instructions that run (a copy for int3)
  uint64_t boundaries = 0;                // dynamic boundaries seen so far
  uint64_t injected = 0;
  std::vector<uint32_t>* trace = nullptr;  // instruction offset per dynamic boundary (step)

  // Hardware breakpoint and int3: the boundary is the `occurrence`-th execution of the
  // instruction at target_address; `dynamic` is its dynamic index, for faults and reports.
  uint64_t target_address = 0;
  uint64_t occurrence = 1;
  uint64_t hits = 0;
  uint64_t target_dynamic = 0;
  uint8_t* int3_patch = nullptr;  // where the int3 sits in the copy
  uint8_t int3_original = 0;

  // Frame edit: the register, its edit value, and what to check at the next boundary.
  const ComponentDescriptor* edit_component = nullptr;
  const Field* edit_field = nullptr;
  const CpuImage* edit_values = nullptr;
  bool edit_pending = false;
  uint64_t edit_boundary = 0;
  uint8_t edit_old[64] = {};
  int64_t edit_failed_at = -1;  // first boundary whose edit did not take effect

  // Frames per dynamic boundary: recorded in a reference run, checked in the next.
  FrameRecord* frames = nullptr;
  ComponentMask compared = 0;      // components a frame check compares
  uint64_t rsp_base = 0;           // rsp at boundary 0 of this run
  int64_t frame_mismatch_at = -1;  // first boundary whose frame differs

  // The capture signal's snapshot, and the entry state it recorded (FS/GS base are not in the
  // frame).
  FrameSnapshot* capture_snapshot = nullptr;
  HandlerObservation capture_entry{};
  bool captured = false;

  // Faults: only at this dynamic boundary (-1: the first injected one).
  int64_t fault_boundary = -1;
};

RoutineTrapState& routine_trap_state();

// Called by sigctx_on_signal for SIGTRAP and the capture signal while a routine run is active.
// Returns the irritator to load, or null.
const Irritator* on_routine_signal(int sig, siginfo_t* info, void* ucontext,
                                   HandlerObservation* obs);

// Whether a frame equals a recorded one: the bytes first, then (when the bytes differ)
// component by component over `compared`, so XSAVE padding a routine never wrote cannot count.
// rsp counts relative to each run's boundary-0 rsp: runs may start at different stack depths.
bool frame_matches(SignalFrame& f, uint64_t rsp_base, FrameRecord& record, size_t index,
                   ComponentMask compared, const Machine& m);

}  // namespace sigctx
