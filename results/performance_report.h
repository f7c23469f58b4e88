// docs/performance.md from Google Benchmark's JSON (sigctx_bench --benchmark_out=F
// --benchmark_out_format=json): the machine's fingerprint from the run's context, then one table
// row per benchmark with its time and the counters sigctx reports (x_getppid, round_trip_ns,
// ns_per_boundary, x_bare, xinuse).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sigctx {

// The Markdown page; false with *error naming what in the JSON is wrong.
bool performance_markdown(const nlohmann::json& run, std::string* out, std::string* error);

}  // namespace sigctx
