// The zeroing routines: dirty routines (xstate/routines/routine.h) whose output is a buffer that
// must end all zero. The routine registry lists them after the register-mixing routines, so every
// injector (step, hwbp, int3; storms where a routine may loop) sweeps them.
#pragma once

#include <span>

#include "xstate/routines/routine.h"

namespace sigctx {

std::span<const DirtyRoutine* const> zeroing_routines();

}  // namespace sigctx
