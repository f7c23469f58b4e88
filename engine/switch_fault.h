// --inject-fault for holds that switch (switch/, process/, switch/step-yield's sibling): the hold
// applies the fault once, right after its first system call (or spin iteration), through
// sigctx_switch_hook_fault: a GPR or RFLAGS slot is overwritten, any other component is reloaded
// from a copy of the unit's own values with the one register broken. A leak takes unit 1's value,
// so it is classified as foreign.
#pragma once

#include <string>

#include "engine/fault.h"
#include "engine/hold.h"
#include "xstate/image.h"

namespace sigctx {

// Why the fault cannot show in a hold that checks `checked` (empty: it can). skip_gprs are the
// GPRs the transition itself clobbers.
std::string switch_fault_unshowable(const FaultSpec& f, ComponentMask checked, uint16_t skip_gprs,
                                    const Machine& m);

// Arms plan's fault: own is the unit's loaded image, other another unit's; scratch receives the
// image the hook reloads from, and reload the loaders it runs: the faulted component's and
// every later loaded one's (a VEX load of AVX zeroes the ZMM upper halves, which load after).
void arm_switch_fault(const FaultSpec& f, const CpuImage& own, const CpuImage& other,
                      ComponentMask loaded, CpuImage& scratch, RoutineList& reload, HoldPlan& plan,
                      const Machine& m);

}  // namespace sigctx
