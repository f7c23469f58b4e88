// Two runs side by side (sigctx compare OLD.json NEW.json): which cases regressed (a good
// verdict, pass or xfail, became fail or error), which were fixed, which are new or vanished,
// which changed in another way (ran and now skip, or the reverse), and which fingerprint fields
// differ between the machines, so a regression is seen next to the kernel or CPU change
// behind it.
#pragma once

#include <string>
#include <vector>

#include "results/run_result.h"

namespace sigctx {

struct CaseChange {
  std::string id;
  Status before = Status::kPass, after = Status::kPass;
  std::string detail;  // the new failure's reason, or the fixed one's old reason
};

struct FieldChange {
  std::string path;  // "os/release"
  std::string before, after;
};

struct Comparison {
  std::vector<CaseChange> regressions, fixes, other_changes;
  std::vector<CaseChange> added, vanished;  // after / before holds the one status
  std::vector<FieldChange> fingerprint;
  unsigned unchanged = 0;
  bool regressed() const { return !regressions.empty(); }
};

// Each case's result, a case run several times (--repeat) by its worst iteration: error, fail,
// xfail, pass, skip, in that order. In first-seen order.
std::vector<const CaseResult*> worst_results(const RunResult& r);
// The fingerprint's leaves as ("os/release", "6.1.0"), arrays whole ("[20 entries]" when long).
std::vector<std::pair<std::string, std::string>> fingerprint_fields(const nlohmann::json& machine);

// Cases compare by their worst iteration (worst_results).
Comparison compare_runs(const RunResult& before, const RunResult& after);
// The report a person reads: the fingerprint changes, then each list, then a summary line.
std::string format_comparison(const Comparison& c, const std::string& before_name,
                              const std::string& after_name);

}  // namespace sigctx
