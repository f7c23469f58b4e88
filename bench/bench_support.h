// What every benchmark shares: the live machine, prepared, and the getppid baseline that
// ratios are taken against, so figures from noisy or different machines compare.
#pragma once

#include "probes/machine.h"

namespace sigctx {

// The live machine, with every available component prepared (AMX permission): the benchmarks
// load them all. Its fingerprint summary goes into the JSON's context.
const Machine& bench_machine();
// ns of one getppid() syscall, measured once per run.
double getppid_ns();

}  // namespace sigctx
