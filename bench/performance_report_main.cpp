// sigctx_bench_report BENCH.json OUT.md: writes docs/performance.md's table from a benchmark
// run. Exit 2 with a message naming the file on bad input.
#include <fmt/format.h>

#include <string>

#include "results/json_lines.h"
#include "results/output_file.h"
#include "results/performance_report.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: sigctx_bench_report BENCH.json OUT.md\n");
    return 2;
  }
  std::string text, error, page;
  if (!sigctx::read_text_file(argv[1], &text, &error)) {
    fmt::print(stderr, "sigctx_bench_report: {}\n", error);
    return 2;
  }
  const nlohmann::json run = nlohmann::json::parse(text, nullptr, false);
  if (run.is_discarded()) {
    fmt::print(stderr, "sigctx_bench_report: {}: not valid JSON\n", argv[1]);
    return 2;
  }
  if (!sigctx::performance_markdown(run, &page, &error)) {
    fmt::print(stderr, "sigctx_bench_report: {}: {}\n", argv[1], error);
    return 2;
  }
  if (!sigctx::write_output_file(argv[2], page, &error)) {
    fmt::print(stderr, "sigctx_bench_report: {}\n", error);
    return 2;
  }
  return 0;
}
