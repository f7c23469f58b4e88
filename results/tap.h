// TAP version 13 as kselftest writes it, for kernel CI systems (KernelCI, LKFT): the plan
// first, one "ok"/"not ok" line per result in order, "# SKIP" and "# XFAIL" directives with the
// reason, each failure's compact diff and reproduce line as "# " diagnostics, and kselftest's
// "# Totals:" line last.
#pragma once

#include <cstdio>
#include <string>

#include "results/run_result.h"

namespace sigctx {

class TapReporter {
 public:
  explicit TapReporter(FILE* out) : out_(out) {}
  // The version line, the plan, and the tool and machine as diagnostics.
  void header(const std::string& tool, const std::string& machine, size_t cases);
  void case_done(const CaseResult& r);
  void summary(const Summary& s);

 private:
  FILE* out_;
  size_t number_ = 0;
};

// One result's TAP lines (the test point and its diagnostics), numbered n.
std::string tap_test_point(const CaseResult& r, size_t n);

}  // namespace sigctx
