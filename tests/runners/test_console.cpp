// The human report of a failure: differences, findings, or, when the case judged only how its
// process ended, the reason.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

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

// Issue 22: the closing summary once said "0 passed, 1 failed" beside "0 failed, 1 errors".
TEST(Console, SummaryCountsEachStatusAsWhatItIs) {
  Summary s;
  for (Status st : {Status::kPass, Status::kPass, Status::kFail, Status::kError, Status::kXfail,
                    Status::kXfail, Status::kXfail, Status::kSkip}) {
    CaseResult r;
    r.status = st;
    r.injections = 10;
    s.add(r);
  }
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  ASSERT_NE(out, nullptr);
  ConsoleReporter(out, false, false).summary(s);
  std::fclose(out);
  const std::string printed(text, size);
  std::free(text);
  EXPECT_NE(printed.find("summary: 2 passed, 1 failed, 1 error, 3 xfail, 1 skipped\n"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("(8 cases; 80 injections in "), std::string::npos) << printed;
}

}  // namespace
}  // namespace sigctx
