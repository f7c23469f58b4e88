// The human report of a failure: differences, findings, or, when the case judged only how its
// process ended, the reason.
#include <gtest/gtest.h>

#include "results/console.h"

namespace sigctx {
namespace {

TEST(Console, FailureWithoutDiffsOrFindingsShowsItsReason) {
  CaseResult r;
  r.status = Status::kFail;
  r.reason = "sigreturn with the broken frame neither returned nor ended in SIGSEGV: exited 127";
  EXPECT_EQ(describe_failure(r), "  " + r.reason + "\n");
}

TEST(Console, FindingsAreShownInsteadOfTheReason) {
  CaseResult r;
  r.status = Status::kFail;
  r.reason = "summary line";
  r.findings.push_back({"frame.magic1", "magic1 is wrong", "0x46505853", "0"});
  const std::string text = describe_failure(r);
  EXPECT_NE(text.find("frame.magic1: magic1 is wrong (expected 0x46505853, got 0)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("summary line"), std::string::npos) << text;
}

}  // namespace
}  // namespace sigctx
