// sigctx compare OLD.json NEW.json: exit 1 when a case regressed, 0 otherwise, 2 when a file
// cannot be read or is not a sigctx result.
#include <fmt/format.h>

#include "results/compare.h"
#include "results/expectations.h"
#include "results/printable.h"
#include "results/result_file.h"
#include "runners/commands.h"

namespace sigctx {

std::string describe_run(const std::string& path, const RunResult& r) {
  auto text = [&](const char* section, const char* member) {
    const std::string t = machine_text(r.machine, section, member);
    return t.empty() ? std::string("?") : t;
  };
  const std::string environment = platform_facts(r.machine).environment;
  const std::string env = environment == "native" ? "" : ", " + environment;
  return fmt::format("{} (sigctx {} git {}, {} {}, {}{}, {} results, {})", path, r.version,
                     r.git_revision.empty() ? "?" : r.git_revision.substr(0, 12),
                     text("os", "sysname"), text("os", "release"), text("cpu", "brand"), env,
                     r.cases.size(), r.started_at.empty() ? "no start time" : r.started_at);
}

int compare_command(const std::string& old_path, const std::string& new_path) {
  RunResult before, after;
  std::string error;
  if (!read_result_file(old_path, &before, &error) || !read_result_file(new_path, &after, &error)) {
    fmt::print(stderr, "sigctx: error: compare: {}\n", printable(error));
    return kExitUsage;
  }
  const Comparison c = compare_runs(before, after);
  // The ids, reasons and fingerprints come from the files: no escape sequence of theirs reaches
  // the terminal.
  fmt::print("{}", printable(format_comparison(c, describe_run(old_path, before),
                                               describe_run(new_path, after))));
  return c.regressed() ? kExitFail : kExitOk;
}

}  // namespace sigctx
