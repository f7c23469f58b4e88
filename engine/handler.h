// What the signal handler does on each delivery. The assembly entry (handler_entry.S) records
// the state it was entered with and calls sigctx_on_signal, which follows the process-wide
// HandlerPlan set up by the running case: count, edit the frame, inject a fault, snapshot the
// frame, hold a nested pattern across a second signal, end a spin. It returns the irritator
// the entry loads before returning.
#pragma once

#include <signal.h>

#include <atomic>
#include <cstdint>

#include "engine/fault.h"
#include "engine/frame.h"
#include "engine/hold.h"
#include "probes/machine.h"
#include "xstate/image.h"

namespace sigctx {

struct HandlerObservation {
  uint64_t rflags;
  uint64_t frame_rsp;
  uint64_t fsbase;
  uint64_t gsbase;
  uint64_t restore_fsbase;  // what the entry puts back before returning
  uint64_t xinuse;
  uint32_t mxcsr;
  uint16_t fcw;
  uint16_t pad0;
  uint32_t pkru;
  uint32_t pad1;
};
static_assert(sizeof(HandlerObservation) == OBS_SIZE);
static_assert(offsetof(HandlerObservation, rflags) == OBS_RFLAGS);
static_assert(offsetof(HandlerObservation, frame_rsp) == OBS_FRAME_RSP);
static_assert(offsetof(HandlerObservation, fsbase) == OBS_FSBASE);
static_assert(offsetof(HandlerObservation, gsbase) == OBS_GSBASE);
static_assert(offsetof(HandlerObservation, restore_fsbase) == OBS_RESTORE_FSBASE);
static_assert(offsetof(HandlerObservation, xinuse) == OBS_XINUSE);
static_assert(offsetof(HandlerObservation, mxcsr) == OBS_MXCSR);
static_assert(offsetof(HandlerObservation, fcw) == OBS_FCW);
static_assert(offsetof(HandlerObservation, pkru) == OBS_PKRU);

struct Irritator {
  const CpuImage* image = nullptr;
  const ComponentRoutine* loaders = nullptr;
};
static_assert(offsetof(Irritator, image) == IRR_IMAGE);
static_assert(offsetof(Irritator, loaders) == IRR_LOADERS);

constexpr int kPrimarySignal = SIGUSR1;
constexpr int kNestedSignal = SIGUSR2;
constexpr unsigned kMaxLevels = 2;

// A hold the level-1 handler performs across a nested signal.
struct NestedHold {
  const CpuImage* in = nullptr;
  CpuImage* out = nullptr;
  HoldPlan plan;
};

// How a sender thread (engine/sender.h) sleeps until its signal was handled instead of spinning
// beside the thread it signals: each counted delivery bumps `word` and, while a sender waits,
// wakes it through the futex on it. A spinning sender sharing the target's CPU would leave the
// signal pending for a whole time slice.
struct DeliveryAck {
  std::atomic<uint32_t> word{0};
  std::atomic<uint32_t> waiters{0};
};

struct HandlerPlan {
  const Machine* machine = nullptr;
  bool irritate = true;
  Irritator irritator[kMaxLevels];                  // per nesting level
  std::atomic<uint64_t> delivered[kMaxLevels + 1];  // per level, index 1..
  DeliveryAck ack;
  HandlerObservation observed[kMaxLevels + 1];  // last delivery's entry state, per level
  // Frame edit at level 1: write these components of edit_image into the frame.
  const CpuImage* edit_image = nullptr;
  ComponentMask edit_mask = 0;
  // Bad frames: the level-1 handler breaks the frame's FPU header this way after any edit.
  void (*mangle_frame)(SignalFrame& frame, const Machine& m) = nullptr;
  // Frame snapshot of the last level-1 delivery (after edits and faults).
  FrameSnapshot* snapshot = nullptr;
  // Nested: the level-1 handler holds this across a raised kNestedSignal.
  NestedHold* nested = nullptr;
  // Async: once this many level-1 deliveries arrived in the spin loop, move rip to the exit.
  uint64_t spin_target = 0;
  std::atomic<bool> spin_exited{false};
  std::atomic<uint64_t> delivered_in_spin{0};
  FaultSpec fault;
  // Storms: irritate (and count) only deliveries that interrupt the hold driver or the active
  // kernel; a late signal landing in compiled code is left alone.
  bool irritate_only_in_hold = false;
  uint64_t routine_start = 0, routine_end = 0;
  std::atomic<uint64_t> delivered_in_hold{0};
  // A fault hits the first delivery after the case arms it (once per hold): a bug that
  // corrupts one restore, which later correct deliveries then faithfully preserve.
  bool fault_armed = false;
  bool fault_applied = false;  // the fault hit at least once since the case started
  // switch/step-yield: the stepping thread's marks around each yield (engine/yield_sibling.h).
  SwitchWitness* yield_witness = nullptr;
  uint64_t guard_fault_address = 0;  // for FaultKind::kGuard

  void reset();
};

// The plan every delivery in this process follows. A case sets it up before holding.
HandlerPlan& handler_plan();

// Per-process set-up, once in each case's child: the assembly's feature flags, the thread's
// real FS base, and the machine the handler maps frames with.
void init_signal_runtime(const Machine& m);

// Installs sigctx_handler_entry for sig. Every other sigctx signal is blocked while it runs,
// except kNestedSignal (the nested case raises it from inside the level-1 handler) and the
// synchronous fault signals.
void install_handler(int sig, bool on_altstack);
void uninstall_handler(int sig);

// A delay every delivery spends in the handler, on purpose: a slow machine, made here, to show
// that the timing calibrates to it (SIGCTX_HANDLER_DELAY_US, read by runners/main.cpp). Set
// before the platform is probed, so the measured delivery cost includes it; 0 by default.
void set_handler_delay_ns(uint64_t ns);
uint64_t handler_delay_ns();

// While one is alive, the handler takes the interrupted code's FS and GS base to be the thread's
// own (sigctx_host_fsbase, sigctx_host_gsbase) instead of reading them: a case whose holds load
// no base pattern, in which only the thread that set up the runtime receives signals, says so.
// Without RD/WRFSBASE each read is an arch_prctl.
class HostBasesKnown {
 public:
  explicit HostBasesKnown(bool known);
  ~HostBasesKnown();
  HostBasesKnown(const HostBasesKnown&) = delete;
  HostBasesKnown& operator=(const HostBasesKnown&) = delete;

 private:
  uint64_t previous_;
};

// tgkill(getpid(), gettid(), sig) through a raw syscall.
void raise_in_this_thread(int sig);

// Makes a handler behave like a broken kernel for the registers a fault targets: corrupts the
// frame (or, for FS/GS base, the register itself). handler_image holds the handler's own values.
void apply_fault(const FaultSpec& f, SignalFrame& frame, HandlerObservation* obs,
                 const CpuImage& handler_image, const Machine& m, uint64_t guard_address);

}  // namespace sigctx

extern "C" {
void sigctx_handler_entry(int sig, siginfo_t* info, void* ucontext);
const sigctx::Irritator* sigctx_on_signal(int sig, siginfo_t* info, void* ucontext,
                                          sigctx::HandlerObservation* obs);
extern sigctx::HandlerObservation sigctx_handler_observations[OBS_MAX_DEPTH];
extern uint64_t sigctx_asm_features;
extern uint64_t sigctx_host_fsbase;
extern uint64_t sigctx_host_gsbase;
extern uint64_t sigctx_host_bases_known;
extern uint32_t sigctx_handler_depth;
}
