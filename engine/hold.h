// The hold driver (hold.S): load a pattern, perform one transition, store it back, with no
// compiled code in between.
#pragma once

#include <array>
#include <cstdint>

#include "probes/machine.h"
#include "xstate/component.h"
#include "xstate/image.h"

namespace sigctx {

// Evidence that a unit of a switch case was switched out while it held its pattern, independent
// of getrusage (which gVisor never counts): after every switch point the hold marks the shared
// word with its CPU (TSC_AUX) and unit; finding another unit's mark from its own CPU there means
// that unit ran on this CPU since this unit's last mark.
struct SwitchWitness {
  uint64_t* last_mark = nullptr;  // shared by the units of one case (shared memory for processes)
  uint64_t unit = 0;              // 1..255
  uint64_t seen = 0;              // other units' marks from this CPU found
};
static_assert(offsetof(SwitchWitness, last_mark) == WIT_LAST);
static_assert(offsetof(SwitchWitness, unit) == WIT_UNIT);
static_assert(offsetof(SwitchWitness, seen) == WIT_SEEN);

struct HoldPlan {
  uint64_t action = PLAN_ACTION_NONE;
  const ComponentRoutine* loaders = nullptr;  // null-terminated, registration order
  const ComponentRoutine* stores = nullptr;   // null-terminated
  uint64_t options = 0;
  uint64_t loops = 0;  // SYSCALL_LOOP
  // sigctx_switch_hook_fault's one-shot fault (see PLAN_FAULT_* in image_layout.h).
  uint64_t fault_armed = 0;
  uint64_t fault_slot = 0;
  uint64_t fault_value = 0;
  const CpuImage* fault_image = nullptr;
  const ComponentRoutine* fault_loaders = nullptr;  // null-terminated
  SwitchWitness* witness = nullptr;                 // SYSCALL_LOOP and SPIN_FLAG: marks taken
};
static_assert(offsetof(HoldPlan, action) == PLAN_ACTION);
static_assert(offsetof(HoldPlan, loaders) == PLAN_LOADERS);
static_assert(offsetof(HoldPlan, stores) == PLAN_STORES);
static_assert(offsetof(HoldPlan, options) == PLAN_OPTIONS);
static_assert(offsetof(HoldPlan, loops) == PLAN_LOOPS);
static_assert(offsetof(HoldPlan, fault_armed) == PLAN_FAULT_ARMED);
static_assert(offsetof(HoldPlan, fault_slot) == PLAN_FAULT_SLOT);
static_assert(offsetof(HoldPlan, fault_value) == PLAN_FAULT_VALUE);
static_assert(offsetof(HoldPlan, fault_image) == PLAN_FAULT_IMAGE);
static_assert(offsetof(HoldPlan, fault_loaders) == PLAN_FAULT_LOADERS);
static_assert(offsetof(HoldPlan, witness) == PLAN_WITNESS);

// Runs each routine of a null-terminated list on `image` (xstate/run_routines.S): a load
// outside the hold, for a component whose state may live on through C++ code (PKRU).
extern "C" void sigctx_run_routines(CpuImage* image, const ComponentRoutine* list);

// Null-terminated routine lists for a component mask, in registration order. Components whose
// loader is null (gpr, rflags) are handled by the driver itself.
struct RoutineList {
  std::array<ComponentRoutine, kComponentCount + 1> fns{};
  const ComponentRoutine* data() const { return fns.data(); }
};
RoutineList loaders_for(const Machine& m, ComponentMask mask);
RoutineList stores_for(const Machine& m, ComponentMask mask);

// Options every hold on this machine wants: XINUSE where readable, PKRU restore where PKU is
// usable, VZEROUPPER where AVX is.
uint64_t default_hold_options(const Machine& m);

}  // namespace sigctx

extern "C" {
// Copies in's host FS/GS base into out first: the stores put them back after reading the bases.
void sigctx_hold(const sigctx::CpuImage* in, sigctx::CpuImage* out, const sigctx::HoldPlan* plan);
// Labels inside sigctx_hold: the transition points.
extern char sigctx_hold_none[];
extern char sigctx_hold_syscall[];
extern char sigctx_hold_spin[];
extern char sigctx_hold_spin_exit[];
extern char sigctx_hold_routine_return[];
extern char sigctx_hold_step_return[];
extern char sigctx_hold_loop[];
extern char sigctx_hold_loop_return[];
extern char sigctx_hold_end[];
extern volatile uint32_t sigctx_spin_armed;
// SPIN_FLAG: each hold adds 1 to sigctx_spin_ready once its state is loaded, and spins until
// sigctx_spin_stop is non-zero. Both lie in sigctx_switch_page, a page of their own that a
// case may remap as shared memory before forking, so processes spin on the same flags.
extern volatile uint32_t sigctx_spin_ready;
extern volatile uint32_t sigctx_spin_stop;
extern char sigctx_switch_page[];
constexpr size_t kSwitchPageBytes = 4096;
// SYSCALL_LOOP calls these around every system call: asm routines that must preserve every
// register and flag (an emulated bug's effect on a switch; a bare RET otherwise).
extern const void* sigctx_switch_hook_before;
extern const void* sigctx_switch_hook_after;
void sigctx_switch_hook_none();
// A hook_after that applies the hold plan's one-shot fault (the switch cases' mutation test).
void sigctx_switch_hook_fault();
// One mark of a SwitchWitness (see there), preserving every register; the holds take one after
// each switch point of SYSCALL_LOOP and SPIN_FLAG when plan->witness is set.
void sigctx_switch_mark(sigctx::SwitchWitness* w);
extern char sigctx_hold_syscall_loop[];
extern char sigctx_hold_spin_flag[];
// Where those loops switch: the SYSCALL, and the PAUSE the timer most often interrupts.
extern char sigctx_hold_syscall_loop_switch[];
extern char sigctx_hold_spin_flag_switch[];
// The dirty routine the ROUTINE actions call, and how many times ROUTINE_LOOP calls it.
extern const char* sigctx_active_routine;
extern volatile uint64_t sigctx_routine_loops;
}
