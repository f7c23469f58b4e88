// The zeroing kernels: dirty kernels (xstate/kernels/kernel.h) whose output is a buffer that
// must end all zero. The kernel registry lists them after the register-mixing kernels, so every
// injector (step, hwbp, int3; storms where a kernel may loop) sweeps them.
#pragma once

#include <span>

#include "xstate/kernels/kernel.h"

namespace sigctx {

std::span<const DirtyKernel* const> zeroing_kernels();

}  // namespace sigctx
