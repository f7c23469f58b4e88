// --inject-fault for the context cases: the fault edits the context about to be resumed, as a
// broken getcontext/setcontext would, for the registers a ucontext holds (the callee-saved
// GPRs, MXCSR and the x87 control word).
#pragma once

#include <ucontext.h>

#include <string>

#include "engine/fault.h"
#include "probes/machine.h"
#include "xstate/image.h"

namespace sigctx {

// Why the fault cannot show in a context case checking `checked` ("" when it can).
std::string context_fault_unshowable(const FaultSpec& f, ComponentMask checked, const Machine& m);

// Edits uc: kLeak writes the irritator's value, kBitflip flips one patterned bit, kZero zeroes.
void apply_context_fault(const FaultSpec& f, ucontext_t* uc, const CpuImage& irritator,
                         const Machine& m);

}  // namespace sigctx
