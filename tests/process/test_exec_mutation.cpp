// The exec checker's mutation tests: a value of the exec'ing process left in one register of
// the new program (or a flipped bit, or a zeroed register whose initial value is not zero) must
// be reported with that component, register and class; without a fault every case passes.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "runners/case_registry.h"
#include "tests/support/gtest_name.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

struct ExecMutation {
  const char* component;
  const char* reg;
  const char* kind;
  const char* cls;
  const char* where;
};

constexpr const char* kEntry = "at the exec'd program's entry point";

std::vector<ExecMutation> exec_mutations() {
  return {
      {"gpr", "r9", "leak", "foreign", kEntry},
      {"rflags", "rflags", "leak", "foreign", kEntry},
      {"x87", "fcw", "zero", "zeroed", kEntry},
      {"x87", "st5", "leak", "foreign", "under an empty tag at the exec'd program's entry point"},
      {"mxcsr", "mxcsr", "bitflip", "bitflip", kEntry},
      {"sse", "xmm14", "leak", "foreign", kEntry},
      {"avx", "ymm0", "leak", "foreign", kEntry},
      {"opmask", "k3", "leak", "foreign", kEntry},
      {"zmm_hi256", "zmm7", "leak", "foreign", kEntry},
      {"hi16_zmm", "zmm31", "leak", "foreign", kEntry},
      {"pkru", "pkru", "leak", "foreign", kEntry},
      {"fsbase", "fsbase", "leak", "foreign", kEntry},
      {"gsbase", "gsbase", "bitflip", "bitflip", kEntry},
  };
}

class ExecMutationTest : public ::testing::TestWithParam<ExecMutation> {};

TEST_P(ExecMutationTest, IsReportedWithComponentRegisterAndClass) {
  const ExecMutation& mu = GetParam();
  const Availability a = find_component(mu.component)->availability(live_machine());
  if (!a.ok) GTEST_SKIP() << mu.component << ": " << a.reason;
  const std::string fault = fmt::format("{}:{}:{}", mu.component, mu.reg, mu.kind);
  const CaseResult r = run_case("process/exec/all", fault);
  if (r.status == Status::kSkip) GTEST_SKIP() << r.reason;
  ASSERT_EQ(r.status, Status::kFail) << fault << ": " << status_name(r.status) << " " << r.reason;
  ASSERT_EQ(r.diffs.size(), 1u) << fault;
  const RegisterDiff& d = r.diffs[0];
  EXPECT_EQ(component(d.component).name, mu.component);
  EXPECT_EQ(d.reg, mu.reg);
  EXPECT_EQ(diff_class_name(d.cls), std::string(mu.cls)) << d.source;
  EXPECT_EQ(d.where, mu.where);
  if (std::string(mu.cls) == "foreign") {
    EXPECT_NE(d.source.find("process 0's pattern"), std::string::npos) << d.source;
  }
}

INSTANTIATE_TEST_SUITE_P(Exec, ExecMutationTest, ::testing::ValuesIn(exec_mutations()),
                         [](const ::testing::TestParamInfo<ExecMutation>& info) {
                           return test::gtest_name(fmt::format("{}_{}_{}", info.param.component,
                                                               info.param.reg, info.param.kind));
                         });

// Without a fault every exec case passes here, having exec'd.
TEST(ExecControl, EveryVariantPassesHavingExeced) {
  for (const CaseDescriptor& c : all_cases()) {
    if (c.id.rfind("process/exec/", 0) != 0) continue;
    if (!c.applicable(live_machine()).ok) continue;
    const CaseResult r = run_case(c.id, "");
    EXPECT_EQ(r.status, Status::kPass) << c.id << ": " << r.reason;
    EXPECT_EQ(r.injections, 1u) << c.id;
  }
}

// A fault that cannot change the record is an error, never a pass.
TEST(ExecControl, FaultThatCannotShowIsAnError) {
  const CaseResult r = run_case("process/exec/all", "sse:xmm0:zero");
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_NE(r.reason.find("cannot show"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace sigctx
