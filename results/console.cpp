#include "results/console.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "results/printable.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

const char* status_label(Status s) {
  switch (s) {
    case Status::kPass:
      return "PASS ";
    case Status::kFail:
      return "FAIL ";
    case Status::kSkip:
      return "SKIP ";
    case Status::kXfail:
      return "XFAIL";
    case Status::kError:
      return "ERROR";
  }
  return "?";
}

const char* status_color(Status s) {
  switch (s) {
    case Status::kPass:
      return "32";
    case Status::kFail:
      return "31;1";
    case Status::kSkip:
      return "33";
    case Status::kXfail:
      return "36";
    case Status::kError:
      return "35;1";
  }
  return "0";
}

}  // namespace

std::string ConsoleReporter::paint(const char* code, const std::string& text) const {
  return color_ ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

void ConsoleReporter::header(const std::string& tool, const Machine& m, uint64_t seed,
                             size_t cases) {
  fmt::print(out_, "{}  seed {:#x}  {} case{}\n", tool, seed, cases, cases == 1 ? "" : "s");
  fmt::print(out_, "machine: {}\n", m.summary_line());
  if (!m.frame.measured)
    fmt::print(out_, "signal frame: not measured ({})\n", m.frame.error);
  else if (!m.frame.has_xstate_magic)
    fmt::print(out_,
               "signal frame: {} bytes, FXSAVE only (no FP_XSTATE_MAGIC1), AT_MINSIGSTKSZ {}\n",
               m.frame.frame_size, m.auxv.minsigstksz);
  else
    fmt::print(out_, "signal frame: {} bytes, xstate_size {}, xfeatures {:#x}, AT_MINSIGSTKSZ {}\n",
               m.frame.frame_size, m.frame.xstate_size, m.frame.xfeatures, m.auxv.minsigstksz);
  if (const std::string u = uncovered_xcr0_text(m); !u.empty())
    fmt::print(out_, "XCR0 components no case covers yet: {}\n", u);
  fmt::print(out_, "{}", generic_xcr0_line(m));
  std::fflush(out_);
}

std::string describe_failure(const CaseResult& r, size_t max_groups) {
  std::string s;
  // A failure judged from the case's outcome alone (a process that died the wrong way) has
  // only its reason to show.
  if (r.diffs.empty() && r.findings.empty()) {
    const std::string& why = r.status == Status::kXfail && !r.expectation.failure.empty()
                                 ? r.expectation.failure
                                 : r.reason;
    return why.empty() ? "" : "  " + why + "\n";
  }
  const auto groups = group_diffs(r.diffs);
  for (size_t i = 0; i < groups.size() && i < max_groups; ++i) {
    s += "  " + describe_group(r.diffs, groups[i]) + "\n";
    s += "    " + describe_diff(r.diffs[groups[i].first]) + "\n";
  }
  if (groups.size() > max_groups)
    s += fmt::format("  ... {} more groups of differences (see --json)\n",
                     groups.size() - max_groups);
  for (size_t i = 0; i < r.findings.size() && i < max_groups; ++i) {
    const auto& f = r.findings[i];
    s += fmt::format("  {}: {}", f.check, f.message);
    if (!f.expected.empty() || !f.actual.empty())
      s += fmt::format(" (expected {}, got {})", f.expected, f.actual);
    s += "\n";
  }
  if (r.findings.size() > max_groups)
    s += fmt::format("  ... {} more findings (see --json)\n", r.findings.size() - max_groups);
  return s;
}

// What the platform's expectation entries said about a result that did not simply meet them.
std::string describe_expectation(const CaseResult& r) {
  const ExpectationVerdict& e = r.expectation;
  const std::string where = fmt::format("{}", fmt::join(e.sources, ", "));
  if (e.outcome == "not-covered")
    return fmt::format("  expected deviation ({}): {}\n  not covered by it: {}\n", where, e.reason,
                       e.uncovered);
  if (e.outcome == "known-failure")
    return fmt::format("  known failure on this platform ({}): {} [{}]\n", where, e.reason,
                       e.reference);
  if (e.outcome == "unexpected-pass")
    return fmt::format("  expected to {} here ({}), but passed: {}\n", e.expect, where, e.reason);
  return "";
}

void ConsoleReporter::case_done(const CaseResult& r) {
  const std::string label = paint(status_color(r.status), status_label(r.status));
  switch (r.status) {
    case Status::kPass:
    case Status::kXfail:
      fmt::print(out_, "{} {:<34} {:>6} injections {:>9.1f} ms{}\n", label, r.id, r.injections,
                 r.duration_ms, r.status == Status::kXfail ? "  (" + r.reason + ")" : "");
      break;
    case Status::kSkip:
      fmt::print(out_, "{} {:<34} {}\n", label, r.id, r.reason);
      break;
    case Status::kFail: {
      std::string at;
      if (!r.diffs.empty() && !r.diffs.front().injection.routine.empty()) {
        const auto& inj = r.diffs.front().injection;
        at = inj.boundary >= 0
                 ? fmt::format("  at {}+{:#x} (boundary {} of {}: {})", inj.routine, inj.offset,
                               inj.boundary, inj.boundaries, inj.instruction)
                 : fmt::format("  at {}+{:#x} ({})", inj.routine, inj.offset, inj.instruction);
      }
      // Which delivery of the case failed, where it says (signal cases).
      if (const auto d = r.facts.find("failed_delivery"); d != r.facts.end() && d->is_string())
        at += (at.empty() ? "  " : ", ") + d->get<std::string>();
      fmt::print(out_, "{} {}{}\n", label, r.id, at);
      fmt::print(out_, "{}", describe_failure(r));
      fmt::print(out_, "{}", describe_expectation(r));
      fmt::print(out_, "  reproduce: {}\n", r.reproduce);
      if (!r.reproducer.empty()) fmt::print(out_, "  program:   {}\n", r.reproducer);
      break;
    }
    case Status::kError:
      fmt::print(out_, "{} {:<34} {}\n", label, r.id, r.reason);
      if (!r.output.empty()) {
        std::string tail =
            r.output.size() > 2000 ? r.output.substr(r.output.size() - 2000) : r.output;
        fmt::print(out_, "  output:\n");
        size_t start = 0;
        while (start < tail.size()) {
          size_t nl = tail.find('\n', start);
          if (nl == std::string::npos) nl = tail.size();
          fmt::print(out_, "    {}\n", printable(tail.substr(start, nl - start)));
          start = nl + 1;
        }
      }
      fmt::print(out_, "{}", describe_expectation(r));
      fmt::print(out_, "  reproduce: {}\n", r.reproduce);
      break;
  }
  if (r.status == Status::kPass) fmt::print(out_, "{}", describe_expectation(r));
  if (verbose_ && r.status == Status::kXfail)
    fmt::print(out_, "  deviation ({}):\n{}", fmt::join(r.expectation.sources, ", "),
               describe_failure(r));
  if (verbose_ && !r.facts.empty()) fmt::print(out_, "  facts: {}\n", r.facts.dump());
  std::fflush(out_);
}

void ConsoleReporter::summary(const Summary& s) {
  // Each status counted as what it is: an error (undecided) is not a failure (a deviation),
  // and an xfail (a deviation the expectation files promise) neither.
  fmt::print(out_, "summary: {} passed, {} failed, {} error{}, {} xfail, {} skipped\n", s.pass,
             s.fail, s.error, s.error == 1 ? "" : "s", s.xfail, s.skip);
  fmt::print(out_, "({} case{}; {} injections in {:.2f} s)\n", s.total, s.total == 1 ? "" : "s",
             s.injections, s.duration_s);
  std::fflush(out_);
}

}  // namespace sigctx
