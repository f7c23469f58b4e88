// What every benchmark shares: the live machine, prepared, and the getppid baseline that
// ratios are taken against, so figures from noisy or different machines compare.
#pragma once

#include "probes/machine.h"
#include "xstate/image.h"
#include "xstate/pattern.h"

namespace sigctx {

// The live machine, with every available component prepared (AMX permission): the benchmarks
// load them all. Its fingerprint summary goes into the JSON's context.
const Machine& bench_machine();
// ns of one getppid() syscall, measured once per run.
double getppid_ns();
// Every available component but FS/GS base: what the routine benchmarks load and their handlers
// clobber (their handlers switch no TLS).
ComponentMask bench_components();
// The interrupted code's pattern into `main` and the level-1 handler's into `handler`, for the
// components in mask; both images are cleared first.
void fill_main_and_handler(ComponentMask mask, CpuImage& main, CpuImage& handler);

}  // namespace sigctx
