// The OS-zeroed memory checker's mutation tests: a word of the churning process's pattern (or
// one set bit) left in memory that must be zero is reported with its offset and decoded owner,
// for every source; without a fault every source passes or skips with its reason.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "runners/case_registry.h"
#include "tests/support/run_case.h"

namespace sigctx {
namespace {

using test::run_case;

class OsZeroLeak : public ::testing::TestWithParam<const char*> {};

TEST_P(OsZeroLeak, ChurnersValueIsDecoded) {
  const std::string id = fmt::format("alloc/os-zero/{}", GetParam());
  const CaseResult r = run_case(id, "sse:xmm3:leak");
  if (r.status == Status::kSkip) GTEST_SKIP() << r.reason;
  ASSERT_EQ(r.status, Status::kFail) << id << ": " << r.reason;
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].check, "alloc.not_zero");
  EXPECT_NE(r.findings[0].message.find("xmm3 lane 0 of process 1's pattern"), std::string::npos)
      << r.findings[0].message;
  EXPECT_NE(r.findings[0].message.find("in 1 run: offset"), std::string::npos)
      << r.findings[0].message;
}

INSTANTIATE_TEST_SUITE_P(Alloc, OsZeroLeak,
                         ::testing::Values("mmap", "thp", "hugetlb", "dontneed", "calloc-large",
                                           "calloc-reused", "fork-cow"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST(OsZero, BitflipIsAnUndecodedRun) {
  const CaseResult r = run_case("alloc/os-zero/mmap", "sse:xmm0:bitflip");
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_NE(r.findings[0].message.find("1 of 4194304 bytes are not zero"), std::string::npos)
      << r.findings[0].message;
}

TEST(OsZero, ZeroFaultCannotShow) {
  const CaseResult r = run_case("alloc/os-zero/mmap", "sse:xmm0:zero");
  EXPECT_EQ(r.status, Status::kError);
}

TEST(OsZero, EverySourcePassesOrSaysWhyNot) {
  for (const CaseDescriptor& c : all_cases()) {
    if (c.id.rfind("alloc/os-zero/", 0) != 0) continue;
    const CaseResult r = run_case(c.id, "");
    if (r.status == Status::kSkip) {
      EXPECT_FALSE(r.reason.empty()) << c.id;
      continue;
    }
    EXPECT_EQ(r.status, Status::kPass) << c.id << ": " << r.reason;
    EXPECT_GT(r.facts.value("regions_checked", 0u), 0u) << c.id;
  }
}

}  // namespace
}  // namespace sigctx
