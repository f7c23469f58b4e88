// Which components can be put in their architectural init state (XRSTOR with XSTATE_BV clear,
// see xstate_init.S) rather than merely loaded with zeros: those XSAVE governs, on a machine
// where the OS enabled XSAVE for them.
#pragma once

#include "probes/machine.h"
#include "xstate/component.h"

extern "C" void sigctx_xstate_init_load(sigctx::CpuImage*);

namespace sigctx {

ComponentMask init_loadable(const Machine& m, ComponentMask wanted);
// The XSAVE component bitmap (the XRSTOR RFBM) for those components.
uint64_t xsave_init_mask(ComponentMask components);

}  // namespace sigctx
