// sigctx report FILE.json... -o OUT.html|OUT.md
#include <fmt/format.h>

#include <filesystem>

#include "results/output_file.h"
#include "results/printable.h"
#include "results/report.h"
#include "results/result_file.h"
#include "runners/commands.h"

namespace sigctx {

int report_command(const std::vector<std::string>& inputs, const std::string& out) {
  const std::string ext = std::filesystem::path(out).extension().string();
  const bool html = ext == ".html" || ext == ".htm";
  if (!html && ext != ".md") {
    fmt::print(stderr, "sigctx: error: report -o: '{}' must end in .html or .md\n", out);
    return kExitUsage;
  }
  std::string error;
  std::vector<NamedFile> input_files;
  for (const std::string& path : inputs)
    input_files.push_back({"report", path});
  if (!check_outputs({{"report -o", out}}, input_files, &error)) {
    fmt::print(stderr, "sigctx: error: {}\n", error);
    return kExitUsage;
  }
  std::vector<ReportColumn> columns;
  for (const std::string& path : inputs) {
    ReportColumn c;
    c.name = std::filesystem::path(path).stem().string();
    if (!read_result_file(path, &c.run, &error)) {
      fmt::print(stderr, "sigctx: error: report: {}\n", printable(error));
      return kExitUsage;
    }
    columns.push_back(std::move(c));
  }
  const std::string text = html ? report_html(columns) : report_markdown(columns);
  if (!write_output_file(out, text, &error)) {
    fmt::print(stderr, "sigctx: error: report -o {}\n", error);
    return kExitUsage;
  }
  fmt::print("{}: {} machines\n", out, columns.size());
  return kExitOk;
}

}  // namespace sigctx
