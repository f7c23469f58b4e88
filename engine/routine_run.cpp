#include "engine/routine_run.h"

#include <fmt/format.h>

#include "engine/hwbp.h"
#include "engine/int3_copy.h"
#include "xstate/component_registry.h"

namespace sigctx {

RoutineRunResult run_routine(const Machine& m, const RoutineRunRequest& req, const HoldPlan& plan,
                             const CpuImage& in, CpuImage& out, FrameSnapshot* capture) {
  RoutineRunResult result;
  const DirtyRoutine& k = *req.routine;
  RoutineTrapState& st = routine_trap_state();
  st = RoutineTrapState{};
  st.injector = req.injector;
  st.action = req.action;
  st.selection = req.selection;
  st.capture = req.capture && capture;
  st.capture_snapshot = capture;
  st.trace = req.trace;
  st.frames = req.frames;
  st.compared = req.compared;
  st.fault_boundary = req.fault_boundary;
  st.code_start = reinterpret_cast<uint64_t>(k.entry);
  st.code_end = reinterpret_cast<uint64_t>(k.code_end);
  if (req.action == HandlerAction::kEdit) {
    st.edit_component = &component(k.edit_component);
    for (const Field& f : fields_of(*st.edit_component, m))
      if (f.name == k.edit_register) st.edit_field = &f;
    st.edit_values = req.edit_values;
    if (!st.edit_field || !st.edit_values) {
      result.error = fmt::format("routine {} names no editable register", k.name);
      return result;
    }
  }
  if (capture) capture->captured = false;

  HoldPlan p = plan;
  sigctx_active_routine = k.entry;
  std::unique_ptr<HardwareBreakpoint> breakpoint;
  std::unique_ptr<Int3Copy> copy;
  if (!req.inject) {
    p.action = PLAN_ACTION_ROUTINE;
  } else if (req.injector == Injector::kStep) {
    p.action = PLAN_ACTION_ROUTINE_STEP;
    st.active = true;
  } else {
    p.action = PLAN_ACTION_ROUTINE;
    st.target_dynamic = req.target_dynamic;
    st.occurrence = req.occurrence;
    if (req.injector == Injector::kHwbp) {
      st.target_address = st.code_start + req.target_offset;
      breakpoint = HardwareBreakpoint::arm(st.target_address, &result.error, req.force_fsetsig);
      if (!breakpoint) return result;
    } else if (req.injector == Injector::kInt3) {
      copy = Int3Copy::make(k.entry, k.end, req.target_offset, &result.error);
      if (!copy) return result;
      sigctx_active_routine = reinterpret_cast<const char*>(copy->code());
      st.code_start = reinterpret_cast<uint64_t>(copy->code());
      st.code_end = st.code_start + static_cast<uint64_t>(k.code_end - k.entry);
      st.target_address = st.code_start + req.target_offset;
      st.int3_patch = copy->patch();
      st.int3_original = copy->original();
    } else {
      result.error = "the async injector has no single boundary";
      return result;
    }
    st.active = true;
  }

  sigctx_hold(&in, &out, &p);

  breakpoint.reset();
  st.active = false;
  sigctx_active_routine = nullptr;
  result.boundaries = st.injector == Injector::kStep ? st.boundaries : st.hits;
  result.injected = st.injected;
  result.edit_failed_at = st.edit_failed_at;
  result.frame_mismatch_at = st.frame_mismatch_at;
  result.captured = st.captured;
  result.capture_entry = st.capture_entry;
  return result;
}

}  // namespace sigctx
