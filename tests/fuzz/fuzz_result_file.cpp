// libFuzzer target: the result-file reader (compare and report read files people hand them).
// Whatever the bytes, it must not crash, hang or trip the sanitizers; and a file it accepts
// must survive a round trip through the writer.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "results/compare.h"
#include "results/junit.h"
#include "results/report.h"
#include "results/result_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sigctx::RunResult r;
  std::string error;
  if (!sigctx::read_result_text(text, "fuzz.json", &r, &error)) {
    if (error.empty()) std::abort();  // a rejection always says why
    return 0;
  }
  const std::string again = sigctx::run_result_to_json(r).dump();
  sigctx::RunResult r2;
  if (!sigctx::read_result_text(again, "again.json", &r2, &error)) std::abort();
  if (r2.cases.size() != r.cases.size()) std::abort();
  // What compare, report and --junit do with an accepted file.
  (void)sigctx::compare_runs(r, r2);
  (void)sigctx::run_result_to_junit(r);
  (void)sigctx::report_data({{"fuzz", r}});
  return 0;
}
