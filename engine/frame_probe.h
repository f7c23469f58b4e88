// Measures one real signal delivery for the machine fingerprint: the frame's size and
// footprint on an alternate stack, and the sizes and feature masks the kernel wrote into it.
// Installs a handler and an altstack in the calling process: run it in a forked child.
#pragma once

#include "probes/machine.h"

namespace sigctx {

SignalFrameFacts measure_signal_frame(const Machine& m);

}  // namespace sigctx
