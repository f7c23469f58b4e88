// alloc/go-preempt/memclr, the go-preempt profile's case: the mutation tests. A handler that
// leaves its ymm0 upper half behind (illumos-15254's effect, the Go heap corruption) at the
// first SIGURG inside memclr is reported as non-zero heap bytes decoded to the handler's
// pattern; a register the kernel does not touch is reported by component and register; and a
// clean run reports its throughput and the signals it delivered.
#include <gtest/gtest.h>

#include "runners/case_registry.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

constexpr const char* kCase = "alloc/go-preempt/memclr";
constexpr double kSeconds = 0.3;

bool runs_here() {
  const CaseDescriptor* c = find_case(kCase);
  return c && c->applicable(live_machine()).ok;
}

TEST(GoPreempt, HandlersYmm0InTheHeapIsDecoded) {
  if (!runs_here()) GTEST_SKIP() << find_case(kCase)->applicable(live_machine()).reason;
  const CaseResult r = run_case(kCase, "avx:ymm0:leak", {}, 60, nullptr, kSeconds);
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].check, "memclr.buffer");
  const std::string& msg = r.findings[0].message;
  // Which chunk holds the first delivery inside memclr depends on scheduling.
  EXPECT_EQ(msg.rfind("under the SIGURG storm (chunk ", 0), 0u) << msg;
  EXPECT_NE(msg.find("(ymm0 lane 2 of handler level 1's pattern"), std::string::npos) << msg;
  EXPECT_EQ(r.facts.value("corrupt_chunks", 0), 1);
}

TEST(GoPreempt, BrokenRegisterIsNamed) {
  if (!runs_here()) GTEST_SKIP() << find_case(kCase)->applicable(live_machine()).reason;
  const CaseResult r = run_case(kCase, "sse:xmm9:bitflip", {}, 60, nullptr, kSeconds);
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  ASSERT_FALSE(r.diffs.empty());
  for (const RegisterDiff& d : r.diffs) {
    EXPECT_EQ(component(d.component).name, std::string("sse"));
    EXPECT_EQ(d.reg, "xmm9");
    EXPECT_EQ(d.cls, DiffClass::kBitflip);
    EXPECT_EQ(d.where.rfind("after the routine loop under the SIGURG storm (chunk ", 0), 0u)
        << d.where;
  }
}

TEST(GoPreempt, CleanRunMeasuresThroughputAndSignals) {
  if (!runs_here()) GTEST_SKIP() << find_case(kCase)->applicable(live_machine()).reason;
  const CaseResult r = run_case(kCase, "", {}, 60, nullptr, kSeconds);
  ASSERT_EQ(r.status, Status::kPass) << r.reason;
  EXPECT_GE(r.facts.value("seconds", 0.0), kSeconds);
  EXPECT_GT(r.facts.value("throughput_gib_s", 0.0), 0);
  EXPECT_GT(r.facts.value("baseline_throughput_gib_s", 0.0), 0);
  EXPECT_GT(r.facts.value("sigurg_in_memclr", 0), 0);
  EXPECT_GE(r.facts.value("sigurg_delivered", 0), r.facts.value("sigurg_in_memclr", 0));
  EXPECT_EQ(r.facts.value("corrupt_chunks", -1), 0);
  EXPECT_EQ(r.injections, r.facts.value("sigurg_in_memclr", uint64_t{0}));
}

}  // namespace
}  // namespace sigctx
