// One binary for every benchmark in bench/.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
