#include "engine/handler.h"

#include <cpuid.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "engine/emulation.h"
#include "engine/routine_trap.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

HandlerPlan g_plan;
std::atomic<uint64_t> g_handler_delay_ns{0};

constexpr int kSigctxSignals[] = {kPrimarySignal, kNestedSignal, SIGALRM, SIGURG, SIGPROF};

uint64_t load_prefix(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n < 8 ? n : 8);
  return v;
}

// A signal delivered on the way out of a system call interrupted the instruction after a
// SYSCALL (0f 05); any other interruption came asynchronously. rip is in mapped code, and so,
// in practice, are the two bytes before it.
bool interrupted_outside_syscall(uint64_t rip) {
  const auto* code = reinterpret_cast<const uint8_t*>(rip);
  return !(code[-2] == 0x0f && code[-1] == 0x05);
}

// Sets GS base from compiled code (the handler's own GS base persists after sigreturn on
// Linux, which is what a GS-base fault needs).
void set_gsbase(uint64_t value) {
  syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, value);
}

}  // namespace

// Makes the handler behave like a broken kernel for the targeted registers. Runs inside the
// handler: no allocation, no locks.
void apply_fault(const FaultSpec& f, SignalFrame& frame, HandlerObservation* obs,
                 const CpuImage& handler_image, const Machine& m, uint64_t guard_address) {
  if (f.kind == FaultKind::kGuard) {
    if (guard_address) {
      auto* byte = reinterpret_cast<volatile uint8_t*>(guard_address);
      *byte = static_cast<uint8_t>(*byte ^ 0xff);
    }
    return;
  }
  const ComponentDescriptor& c = component(f.component);
  const auto& fields = fields_of(c, m);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (f.field >= 0 && static_cast<size_t>(f.field) != i) continue;
    const Field& fl = fields[i];
    if (f.field < 0 && fl.codec == Codec::kDerived) continue;  // rsp, FSW, FTW: only by name
    const uint8_t* handler_value = handler_image.bytes() + fl.offset;

    if (!c.in_signal_frame) {  // FS/GS base: the register itself, not the frame
      const uint64_t now = c.id == ComponentId::kFsbase ? obs->fsbase : obs->gsbase;
      uint64_t v = load_prefix(handler_value, 8);
      if (f.kind == FaultKind::kBitflip) v = now ^ (1ull << 44);  // in the canonical magic
      if (f.kind == FaultKind::kZero) v = 0;
      if (c.id == ComponentId::kFsbase)
        obs->restore_fsbase = v;
      else
        set_gsbase(v);
      continue;
    }

    uint8_t scratch[64];
    uint8_t* slot;
    if (c.id == ComponentId::kGpr) {
      uint64_t v = frame.gpr(fl.reg);
      std::memcpy(scratch, &v, 8);
      slot = scratch;
    } else if (c.id == ComponentId::kRflags) {
      uint64_t v = frame.rflags();
      std::memcpy(scratch, &v, 8);
      slot = scratch;
    } else {
      slot = frame.slot(c, fl, m.xsave);
      if (!slot) continue;
    }

    apply_fault_to_field(f.kind, fl, slot, handler_value);

    if (c.id == ComponentId::kGpr) {
      frame.set_gpr(fl.reg, load_prefix(scratch, 8));
    } else if (c.id == ComponentId::kRflags) {
      frame.set_rflags(load_prefix(scratch, 8));
    } else if (frame.has_xstate() && c.xsave_index >= 0) {
      frame.set_xstate_bv(frame.xstate_bv() | (1ull << c.xsave_index));
    }
  }
}

void HandlerPlan::reset() {
  machine = nullptr;
  irritate = true;
  for (auto& i : irritator)
    i = {};
  for (auto& d : delivered)
    d.store(0);
  std::memset(static_cast<void*>(observed), 0, sizeof(observed));
  edit_image = nullptr;
  edit_mask = 0;
  mangle_frame = nullptr;
  snapshot = nullptr;
  nested = nullptr;
  spin_target = 0;
  spin_exited.store(false);
  delivered_in_spin.store(0);
  fault = {};
  fault_armed = false;
  fault_applied = false;
  guard_fault_address = 0;
  yield_witness = nullptr;
  irritate_only_in_hold = false;
  routine_start = routine_end = 0;
  delivered_in_hold.store(0);
}

HandlerPlan& handler_plan() {
  return g_plan;
}

void init_signal_runtime(const Machine& m) {
  uint64_t features = 0;
  if (m.fsgsbase_instructions()) features |= ASMF_FSGSBASE;
  if (m.features.pku && m.features.ospke) features |= ASMF_PKU;
  if (m.xsave.xgetbv1 && m.features.osxsave) features |= ASMF_XGETBV1;
  if (component(ComponentId::kZmmHi256).availability(m).ok) features |= ASMF_ZMM;
  // TSC_AUX holds the CPU number where the kernel sets it; qemu-user's TCG answers 0 on every
  // thread, which would make threads running side by side look like switches.
  unsigned eax, ebx, ecx, edx;
  const bool rdtscp =
      __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) && ((edx >> 27) & 1);  // CPUID.80000001H
  if (rdtscp && !m.env.qemu_user) features |= ASMF_RDTSCP;
  sigctx_asm_features = features;
  uint64_t fs = 0;
  syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs);
  sigctx_host_fsbase = fs;
  uint64_t gs = 0;
  syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs);
  sigctx_host_gsbase = gs;
  sigctx_host_bases_known = 0;
  g_plan.reset();
  g_plan.machine = &m;
  routine_trap_state() = RoutineTrapState{};
  // Field lists are built on first use; build them now, never inside a handler.
  for (const ComponentDescriptor* c : all_components())
    (void)fields_of(*c, m);
}

void install_handler(int sig, bool on_altstack) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = sigctx_handler_entry;
  sa.sa_flags = SA_SIGINFO | (on_altstack ? SA_ONSTACK : 0);
  sigemptyset(&sa.sa_mask);
  for (int s : kSigctxSignals)
    if (s != kNestedSignal) sigaddset(&sa.sa_mask, s);
  sigaction(sig, &sa, nullptr);
}

void uninstall_handler(int sig) {
  signal(sig, SIG_DFL);
}

HostBasesKnown::HostBasesKnown(bool known) : previous_(sigctx_host_bases_known) {
  sigctx_host_bases_known = known ? 1 : 0;
}

HostBasesKnown::~HostBasesKnown() {
  sigctx_host_bases_known = previous_;
}

void set_handler_delay_ns(uint64_t ns) {
  g_handler_delay_ns.store(ns);
}

uint64_t handler_delay_ns() {
  return g_handler_delay_ns.load();
}

void raise_in_this_thread(int sig) {
  syscall(SYS_tgkill, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), sig);
}

}  // namespace sigctx

using namespace sigctx;

namespace {

// A delivery the running case's HandlerPlan describes.
const Irritator* on_plan_signal(unsigned level, SignalFrame& frame, void* ucontext,
                                HandlerObservation* obs) {
  HandlerPlan& p = g_plan;
  const Machine& m = *p.machine;

  if (level == 1 && p.edit_image) {
    for (const ComponentDescriptor* c : all_components())
      if (p.edit_mask & component_bit(c->id)) frame.write(*c, m, *p.edit_image);
  }
  if (level == 1 && p.mangle_frame && frame.has_xstate()) p.mangle_frame(frame, m);
  if (level == 1 && p.nested) sigctx_hold(p.nested->in, p.nested->out, &p.nested->plan);
  // After the nested hold, whose own store puts back the GS base the handler was entered with.
  // In a dirty-routine run a level-1 fault belongs to the trap (routine_trap.cpp); a level-2 one
  // to the nested signal that follows the trap at the fault's boundary.
  const RoutineTrapState& routine = routine_trap_state();
  const unsigned fault_level = routine.active ? 2 : level;
  const bool at_boundary = !routine.active || routine.fault_boundary < 0 ||
                           routine.fault_boundary + 1 == static_cast<int64_t>(routine.boundaries);
  // Under a storm the fault waits for a delivery inside the routine: elsewhere in the loop
  // (the hold, a sweep driver) the routine's next instructions could overwrite it unseen.
  const bool in_routine = frame.rip() >= p.routine_start && frame.rip() < p.routine_end;
  if (fault_level == p.fault.level && at_boundary && p.fault.active && p.fault_armed &&
      (!p.irritate_only_in_hold || in_routine) &&
      (p.irritator[level - 1].image || p.fault.kind == FaultKind::kGuard)) {
    p.fault_armed = false;
    p.fault_applied = true;
    static const CpuImage kNoImage{};
    const CpuImage* handler_image = p.irritator[level - 1].image;
    apply_fault(p.fault, frame, obs, handler_image ? *handler_image : kNoImage, m,
                p.guard_fault_address);
  }
  if (level == 1 && p.snapshot) capture_frame(ucontext, p.snapshot);

  if (level == 1 && p.spin_target && frame.rip() == reinterpret_cast<uint64_t>(sigctx_hold_spin)) {
    const uint64_t in_spin = p.delivered_in_spin.fetch_add(1) + 1;
    if (in_spin >= p.spin_target) {
      frame.set_rip(reinterpret_cast<uint64_t>(sigctx_hold_spin_exit));
      p.spin_exited.store(true);
    }
  }
  p.observed[level] = *obs;
  bool irritate = p.irritate;
  if (p.irritate_only_in_hold) {
    const uint64_t rip = frame.rip();
    const bool in_hold = (rip >= reinterpret_cast<uint64_t>(&sigctx_hold) &&
                          rip < reinterpret_cast<uint64_t>(sigctx_hold_end)) ||
                         (rip >= p.routine_start && rip < p.routine_end);
    irritate &= in_hold;
    if (in_hold) p.delivered_in_hold.fetch_add(1);
  }
  // Counted last: a sender waiting for this delivery must see the spin's exit already.
  p.delivered[level].fetch_add(1);
  p.ack.word.fetch_add(1);
  if (p.ack.waiters.load())
    syscall(SYS_futex, &p.ack.word, FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
  return irritate ? &p.irritator[level - 1] : nullptr;
}

}  // namespace

extern "C" const Irritator* sigctx_on_signal(int sig, siginfo_t* info, void* ucontext,
                                             HandlerObservation* obs) {
  if (const uint64_t delay = g_handler_delay_ns.load(std::memory_order_relaxed)) {
    // clock_gettime is async-signal-safe (the vDSO): a slow machine, made on purpose.
    timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
      clock_gettime(CLOCK_MONOTONIC, &t);
    while (static_cast<uint64_t>((t.tv_sec - t0.tv_sec) * 1000000000 + (t.tv_nsec - t0.tv_nsec)) <
           delay);
  }
  const RoutineTrapState& routine = routine_trap_state();
  // The capture signal is the suite's instrument, not a transition under test: no emulation.
  if (routine.active && sig == kCaptureSignal) return on_routine_signal(sig, info, ucontext, obs);
  const bool trap = routine.active && sig == SIGTRAP;
  SignalFrame frame = SignalFrame::live(ucontext);
  // Traps are synchronous exceptions, and the nested signal of a sweep is raised by the SIGTRAP
  // handler and delivered as its sigreturn completes: synchronous too, though neither
  // interrupts a SYSCALL.
  const bool asynchronous = !trap && !(routine.active && sig == kStepNestedSignal) &&
                            interrupted_outside_syscall(frame.rip());
  const unsigned level = sig == kNestedSignal ? 2 : 1;
  EmulationSite site{ucontext, &frame, g_plan.machine, level, nullptr, asynchronous};
  emulate_on_entry(site);
  const Irritator* irritator = trap ? on_routine_signal(sig, info, ucontext, obs)
                                    : on_plan_signal(level, frame, ucontext, obs);
  site.handler_image = irritator ? irritator->image : nullptr;
  emulate_on_return(site);
  return irritator;
}
