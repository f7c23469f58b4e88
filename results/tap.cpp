#include "results/tap.h"

#include <fmt/format.h>

#include "results/console.h"

namespace sigctx {

namespace {

// A TAP description or directive reason stays on its line, and a '#' in it would start a
// directive.
std::string tap_text(std::string s) {
  for (char& ch : s)
    if (ch == '\n' || ch == '\r')
      ch = ' ';
    else if (ch == '#')
      ch = '_';
  return s;
}

std::string as_diagnostics(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += "# " + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  return out;
}

}  // namespace

std::string tap_test_point(const CaseResult& r, size_t n) {
  const std::string id = tap_text(r.id);
  switch (r.status) {
    case Status::kPass:
      return fmt::format("ok {} {}\n", n, id);
    case Status::kSkip:
      return fmt::format("ok {} {} # SKIP {}\n", n, id, tap_text(r.reason));
    case Status::kXfail:
      return fmt::format("ok {} {} # XFAIL {}\n", n, id, tap_text(r.reason));
    case Status::kFail:
      return fmt::format("not ok {} {}\n", n, id) +
             as_diagnostics(describe_failure(r) + "  reproduce: " + r.reproduce +
                            (r.reproducer.empty() ? "" : "\n  program:   " + r.reproducer));
    case Status::kError:
      return fmt::format("not ok {} {} # error: {}\n", n, id, tap_text(r.reason)) +
             as_diagnostics("  reproduce: " + r.reproduce);
  }
  return "";
}

void TapReporter::header(const std::string& tool, const std::string& machine, size_t cases) {
  fmt::print(out_, "TAP version 13\n1..{}\n# {}\n# {}\n", cases, tap_text(tool), tap_text(machine));
  std::fflush(out_);
}

void TapReporter::case_done(const CaseResult& r) {
  fmt::print(out_, "{}", tap_test_point(r, ++number_));
  std::fflush(out_);
}

void TapReporter::summary(const Summary& s) {
  fmt::print(out_, "# Totals: pass:{} fail:{} xfail:{} xpass:0 skip:{} error:{}\n", s.pass, s.fail,
             s.xfail, s.skip, s.error);
  std::fflush(out_);
}

}  // namespace sigctx
