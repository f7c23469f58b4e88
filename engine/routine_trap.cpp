#include "engine/routine_trap.h"

#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstring>

#include "engine/hold.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {

namespace {

RoutineTrapState g_state;

constexpr size_t kGregs = 23;
constexpr size_t kGregBytes = kGregs * 8;
// gregs that must match between two runs at one boundary: r8..r15, rdi, rsi, rbp, rbx, rdx, rax,
// rcx, rsp, rip, eflags, csgsfs. err, trapno, oldmask and cr2 are the thread's last fault, not
// the interrupted state.
constexpr size_t kComparedGregs = REG_CSGSFS + 1;

// Scratch images for comparing frames inside the handler (one handler at a time).
CpuImage g_live_image, g_recorded_image;

// The frame slot of the edited register, or null when the frame lacks it.
uint8_t* edit_slot(SignalFrame& f, const RoutineTrapState& st, const Machine& m,
                   uint64_t* gpr_scratch) {
  if (st.edit_component->id == ComponentId::kGpr) {
    *gpr_scratch = f.gpr(st.edit_field->reg);
    return reinterpret_cast<uint8_t*>(gpr_scratch);
  }
  return f.slot(*st.edit_component, *st.edit_field, m.xsave);
}

void write_edit_slot(SignalFrame& f, const RoutineTrapState& st, const uint8_t* value,
                     uint8_t* slot) {
  const size_t n = st.edit_field->size;
  if (st.edit_component->id == ComponentId::kGpr) {
    uint64_t v = 0;
    std::memcpy(&v, value, n);
    f.set_gpr(st.edit_field->reg, v);
    return;
  }
  std::memcpy(slot, value, n);
  if (f.has_xstate()) f.set_xstate_bv(f.xstate_bv() | (1ull << st.edit_component->xsave_index));
}

// The edit made at the previous boundary must show in this frame; then the old value goes back,
// so the routine's result is the reference's.
void finish_edit(RoutineTrapState& st, SignalFrame& f, const Machine& m) {
  if (!st.edit_pending) return;
  st.edit_pending = false;
  uint64_t scratch = 0;
  uint8_t* slot = edit_slot(f, st, m, &scratch);
  const uint8_t* wanted = st.edit_values->bytes() + st.edit_field->offset;
  if ((!slot || std::memcmp(slot, wanted, st.edit_field->size) != 0) && st.edit_failed_at < 0)
    st.edit_failed_at = static_cast<int64_t>(st.edit_boundary);
  if (slot) write_edit_slot(f, st, st.edit_old, slot);
}

void start_edit(RoutineTrapState& st, SignalFrame& f, const Machine& m, uint64_t boundary) {
  uint64_t scratch = 0;
  uint8_t* slot = edit_slot(f, st, m, &scratch);
  if (!slot) {
    if (st.edit_failed_at < 0) st.edit_failed_at = static_cast<int64_t>(boundary);
    return;
  }
  std::memcpy(st.edit_old, slot, st.edit_field->size);
  write_edit_slot(f, st, st.edit_values->bytes() + st.edit_field->offset, slot);
  st.edit_pending = true;
  st.edit_boundary = boundary;
}

}  // namespace

RoutineTrapState& routine_trap_state() {
  return g_state;
}

void FrameRecord::prepare(size_t boundaries, size_t fpstate_bytes) {
  stride = (kGregBytes + fpstate_bytes + 63) & ~size_t{63};
  capacity = boundaries;
  count = 0;
  fpstate_address = 0;
  arena.assign(capacity * stride, 0);
}

bool frame_matches(SignalFrame& f, uint64_t rsp_base, FrameRecord& record, size_t index,
                   ComponentMask compared, const Machine& m) {
  uint64_t* rg = reinterpret_cast<uint64_t*>(record.slot(index));
  uint8_t* rfp = record.slot(index) + kGregBytes;
  const size_t fp_room = record.stride - kGregBytes;
  const size_t len = f.fpstate_len() < fp_room ? f.fpstate_len() : fp_room;
  if (f.gpr(kRsp) - rsp_base != rg[REG_RSP] - record.rsp_base || f.rip() != rg[REG_RIP])
    return false;
  bool gregs_equal = true;
  for (size_t i = 0; i < kComparedGregs; ++i)
    if (i != REG_RSP && f.raw_gregs()[i] != rg[i]) gregs_equal = false;
  if (gregs_equal && (!f.has_fpstate() || std::memcmp(f.raw_fpstate(), rfp, len) == 0)) return true;
  SignalFrame ref = SignalFrame::over(rg, rfp, len, record.fpstate_address);
  g_live_image.clear();
  g_recorded_image.clear();
  for (const ComponentDescriptor* c : all_components()) {
    if (!(compared & component_bit(c->id))) continue;
    const bool a = f.read(*c, m, g_live_image, nullptr);
    const bool b = ref.read(*c, m, g_recorded_image, nullptr);
    if (a != b) return false;
  }
  g_live_image.gpr[kRsp] -= rsp_base;
  g_recorded_image.gpr[kRsp] -= record.rsp_base;
  return images_equal(g_recorded_image, g_live_image, compared, m);
}

const Irritator* on_routine_signal(int sig, siginfo_t*, void* ucontext, HandlerObservation* obs) {
  RoutineTrapState& st = g_state;
  HandlerPlan& p = handler_plan();
  const Machine& m = *p.machine;
  SignalFrame frame = SignalFrame::live(ucontext);

  if (sig == kCaptureSignal) {
    if (st.capture_snapshot) {
      capture_frame(ucontext, st.capture_snapshot);
      st.capture_entry = *obs;
      st.captured = true;
    }
    return nullptr;
  }

  uint64_t at = frame.rip();
  if (st.injector == Injector::kInt3) {
    // An int3 traps after its byte: put the instruction back and rewind to it.
    if (!st.int3_patch || at - 1 != reinterpret_cast<uint64_t>(st.int3_patch)) return nullptr;
    *st.int3_patch = st.int3_original;
    st.int3_patch = nullptr;
    at -= 1;
    frame.set_rip(at);
  }
  if (st.injector == Injector::kStep && at == reinterpret_cast<uint64_t>(sigctx_hold_step_return)) {
    // The routine returned: stop stepping before the driver stores anything.
    frame.set_rflags(frame.rflags() & ~uint64_t{RFLAGS_TF});
    finish_edit(st, frame, m);
    return nullptr;
  }
  if (at < st.code_start || at >= st.code_end) return nullptr;

  uint64_t boundary;
  if (st.injector == Injector::kStep) {
    boundary = st.boundaries++;
    if (boundary == 0) st.rsp_base = frame.gpr(kRsp);
    if (st.trace && st.trace->size() < st.trace->capacity())
      st.trace->push_back(static_cast<uint32_t>(at - st.code_start));
    finish_edit(st, frame, m);
    if (!st.selection.selects(boundary)) return nullptr;
  } else {
    if (at != st.target_address || ++st.hits != st.occurrence) return nullptr;
    boundary = st.target_dynamic;
  }
  ++st.injected;

  const Irritator* irritator = p.irritator[0].image ? &p.irritator[0] : nullptr;
  const Irritator* result = nullptr;
  switch (st.action) {
    case HandlerAction::kNone:
      break;
    case HandlerAction::kClobber:
      result = irritator;
      break;
    case HandlerAction::kYield:
      // Marks around the yield show the sibling running on this CPU in between.
      if (p.yield_witness) sigctx_switch_mark(p.yield_witness);
      syscall(SYS_sched_yield);  // async-signal-safe; a sibling on this CPU runs now
      if (p.yield_witness) sigctx_switch_mark(p.yield_witness);
      result = irritator;
      break;
    case HandlerAction::kNested:
      raise_in_this_thread(kStepNestedSignal);  // blocked here: lands after sigreturn
      result = irritator;
      break;
    case HandlerAction::kEdit:
      start_edit(st, frame, m, boundary);
      result = irritator;
      break;
    case HandlerAction::kRecordFrame:
      if (st.frames && boundary < st.frames->capacity) {
        uint8_t* slot = st.frames->slot(boundary);
        std::memcpy(slot, frame.raw_gregs(), kGregBytes);
        const size_t room = st.frames->stride - kGregBytes;
        if (frame.has_fpstate())
          std::memcpy(slot + kGregBytes, frame.raw_fpstate(),
                      frame.fpstate_len() < room ? frame.fpstate_len() : room);
        st.frames->fpstate_address = frame.fpstate_address();
        if (boundary == 0) st.frames->rsp_base = frame.gpr(kRsp);
        if (boundary + 1 > st.frames->count) st.frames->count = boundary + 1;
      }
      break;
    case HandlerAction::kCheckFrame:
      if (st.frames && boundary < st.frames->count && st.frame_mismatch_at < 0 &&
          !frame_matches(frame, st.rsp_base, *st.frames, boundary, st.compared, m))
        st.frame_mismatch_at = static_cast<int64_t>(boundary);
      result = irritator;
      break;
  }
  // A fault acts after the transition: a frame check has compared the untouched frame, and a
  // fault on the edited register undoes the edit, as a routine that ignores frame edits would.
  if (p.fault.active && p.fault_armed && p.fault.level == 1 &&
      (st.fault_boundary < 0 || st.fault_boundary == static_cast<int64_t>(boundary))) {
    p.fault_armed = false;
    p.fault_applied = true;
    static const CpuImage kNoImage{};
    apply_fault(p.fault, frame, obs, p.irritator[0].image ? *p.irritator[0].image : kNoImage, m,
                p.guard_fault_address);
  }

  if (st.capture) raise_in_this_thread(kCaptureSignal);  // blocked here too
  return result;
}

}  // namespace sigctx
