// The core-file checker's mutation tests: a register reported wrong in the notes must be named
// with its component, register and class in every note that holds it; core_pattern settings the
// case cannot use are skip reasons naming the setting; without a fault every case passes.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <set>

#include "core/core_case.h"
#include "runners/case_registry.h"
#include "tests/support/gtest_name.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

struct CoreMutation {
  const char* component;
  const char* reg;
  const char* kind;
  const char* cls;
  std::vector<std::string> notes;
};

std::vector<CoreMutation> mutations() {
  const std::vector<std::string> prstatus = {"NT_PRSTATUS"};
  const std::vector<std::string> legacy = {"NT_PRFPREG", "NT_X86_XSTATE"};
  const std::vector<std::string> xstate = {"NT_X86_XSTATE"};
  return {
      {"gpr", "r12", "leak", "foreign", prstatus},
      {"gpr", "rax", "bitflip", "bitflip", prstatus},
      {"rflags", "rflags", "leak", "foreign", prstatus},
      {"fsbase", "fsbase", "zero", "zeroed", prstatus},
      {"gsbase", "gsbase", "leak", "foreign", prstatus},
      {"x87", "st0", "leak", "foreign", legacy},
      {"mxcsr", "mxcsr", "bitflip", "bitflip", legacy},
      {"sse", "xmm13", "leak", "foreign", legacy},
      {"avx", "ymm6", "leak", "foreign", xstate},
      {"opmask", "k2", "zero", "zeroed", xstate},
      {"zmm_hi256", "zmm1", "leak", "foreign", xstate},
      {"hi16_zmm", "zmm27", "leak", "foreign", xstate},
      {"pkru", "pkru", "leak", "foreign", xstate},
  };
}

class CoreMutationTest : public ::testing::TestWithParam<CoreMutation> {};

TEST_P(CoreMutationTest, IsNamedInEveryNoteThatHoldsIt) {
  const CoreMutation& mu = GetParam();
  const CaseDescriptor* c = find_case("core/all");
  ASSERT_NE(c, nullptr);
  if (!c->applicable(live_machine()).ok) GTEST_SKIP() << c->applicable(live_machine()).reason;
  const ComponentDescriptor* comp = find_component(mu.component);
  if (!comp->availability(live_machine()).ok)
    GTEST_SKIP() << mu.component << ": " << comp->availability(live_machine()).reason;
  const std::string fault = fmt::format("{}:{}:{}", mu.component, mu.reg, mu.kind);
  const CaseResult r = run_case("core/all", fault);
  if (r.status == Status::kSkip) GTEST_SKIP() << r.reason;
  ASSERT_EQ(r.status, Status::kFail) << fault << ": " << r.reason;
  std::set<std::string> wheres;
  for (const RegisterDiff& d : r.diffs) {
    EXPECT_EQ(component(d.component).name, mu.component);
    EXPECT_EQ(d.reg, mu.reg);
    EXPECT_EQ(diff_class_name(d.cls), std::string(mu.cls)) << d.where << ": " << d.source;
    wheres.insert(d.where);
  }
  std::set<std::string> expected;
  for (const std::string& n : mu.notes)
    if (n != "NT_X86_XSTATE" || live_machine().xcr0)
      expected.insert(fmt::format("in the core file's {} note", n));
  EXPECT_EQ(wheres, expected);
  EXPECT_EQ(r.diffs.size(), expected.size());
  EXPECT_TRUE(r.findings.empty());
}

INSTANTIATE_TEST_SUITE_P(Core, CoreMutationTest, ::testing::ValuesIn(mutations()),
                         [](const ::testing::TestParamInfo<CoreMutation>& info) {
                           const CoreMutation& m = info.param;
                           return test::gtest_name(
                               fmt::format("{}_{}_{}", m.component, m.reg, m.kind));
                         });

TEST(CoreControl, EveryCasePassesHavingDumped) {
  unsigned ran = 0;
  for (const CaseDescriptor& c : all_cases()) {
    if (c.id.rfind("core/", 0) != 0 || !c.applicable(live_machine()).ok) continue;
    const CaseResult r = run_case(c.id, "");
    if (r.status == Status::kSkip) GTEST_SKIP() << r.reason;
    EXPECT_EQ(r.status, Status::kPass) << c.id << ": " << r.reason;
    EXPECT_EQ(r.injections, 1u) << c.id;
    ++ran;
  }
  EXPECT_GT(ran, 0u);
}

TEST(CorePattern, SettingsTheCaseCannotUseAreNamedWithTheFix) {
  for (const char* p :
       {"|/lib/systemd/systemd-coredump %P %u %g %s %t %c %h", "/var/crash/%e.%p", ""}) {
    const std::string why = core_pattern_unusable(p);
    EXPECT_FALSE(why.empty()) << p;
    if (*p) {
      EXPECT_NE(why.find(p), std::string::npos) << why;
      EXPECT_NE(why.find("kernel.core_pattern=core"), std::string::npos) << why;
    }
  }
  for (const char* p : {"core", "core.%p", "%e-%p.core"})
    EXPECT_EQ(core_pattern_unusable(p), "") << p;
}

}  // namespace
}  // namespace sigctx
