// The hold driver (hold.S): load a pattern, perform one transition, store it back, with no
// compiled code in between.
#pragma once

#include <array>
#include <cstdint>

#include "probes/machine.h"
#include "xstate/component.h"
#include "xstate/image.h"

namespace sigctx {

struct HoldPlan {
  uint64_t action = PLAN_ACTION_NONE;
  const AsmRoutine* loaders = nullptr;  // null-terminated, registration order
  const AsmRoutine* stores = nullptr;   // null-terminated
  uint64_t options = 0;
};
static_assert(offsetof(HoldPlan, action) == PLAN_ACTION);
static_assert(offsetof(HoldPlan, loaders) == PLAN_LOADERS);
static_assert(offsetof(HoldPlan, stores) == PLAN_STORES);
static_assert(offsetof(HoldPlan, options) == PLAN_OPTIONS);

// Null-terminated routine lists for a component mask, in registration order. Components whose
// loader is null (gpr, rflags) are handled by the driver itself.
struct RoutineList {
  std::array<AsmRoutine, kComponentCount + 1> fns{};
  const AsmRoutine* data() const { return fns.data(); }
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
extern char sigctx_hold_kernel_return[];
extern char sigctx_hold_step_return[];
extern char sigctx_hold_loop[];
extern char sigctx_hold_loop_return[];
extern char sigctx_hold_end[];
extern volatile uint32_t sigctx_spin_armed;
// The dirty kernel the KERNEL actions call, and how many times KERNEL_LOOP calls it.
extern const char* sigctx_active_kernel;
extern volatile uint64_t sigctx_kernel_loops;
}
