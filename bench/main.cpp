// The benchmarks' main: the machine is probed, prepared and put into the JSON context (its
// fingerprint for docs/performance.md) before the run writes that context.
#include <benchmark/benchmark.h>

#include "bench/bench_support.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sigctx::bench_machine();
  sigctx::getppid_ns();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
