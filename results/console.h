// Human output: a header with the fingerprint, one line per case, a compact diff and a
// reproduce command for every failure, and a summary whose first line CI systems can read.
#pragma once

#include <cstdio>
#include <string>

#include "probes/machine.h"
#include "results/run_result.h"

namespace sigctx {

class ConsoleReporter {
 public:
  ConsoleReporter(FILE* out, bool color, bool verbose)
      : out_(out), color_(color), verbose_(verbose) {}
  void header(const std::string& tool, const Machine& m, uint64_t seed, size_t cases);
  void case_done(const CaseResult& r);
  void summary(const Summary& s);

 private:
  std::string paint(const char* code, const std::string& text) const;
  FILE* out_;
  bool color_;
  bool verbose_;
};

// The compact failure report of one case (also used by tests).
std::string describe_failure(const CaseResult& r, size_t max_groups = 6);

}  // namespace sigctx
