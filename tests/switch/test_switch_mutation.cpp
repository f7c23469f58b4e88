// The switch, process and fork checkers' mutation tests: one unit's register broken between its
// switches (sigctx_switch_hook_fault, in the hold) must be reported with that component,
// register and class, in that unit only; without the fault the same cases pass, having
// switched.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "runners/case_registry.h"
#include "tests/support/gtest_name.h"
#include "tests/support/representative_registers.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

struct Mutation {
  const char* id;
  const char* component;
  const char* reg;
  const char* kind;
  const char* cls;
};

std::vector<Mutation> mutations() {
  const auto regs = test::representative_registers();
  const std::pair<const char*, const char*> kinds[] = {
      {"leak", "foreign"}, {"bitflip", "bitflip"}, {"zero", "zeroed"}};
  std::vector<Mutation> out;
  // Every component and kind in the system-call loop and the spin, threads and processes.
  for (const char* id : {"switch/yield/all", "switch/spin/all", "process/yield/all"})
    for (auto [comp, reg] : regs)
      for (auto [kind, cls] : kinds)
        out.push_back({id, comp, reg, kind, cls});
  // The other modes, and cases of one component, where odd units hold init values.
  for (const char* id : {"switch/futex/all", "switch/migrate/all", "process/canary/all"})
    out.push_back({id, "avx", "ymm2", "leak", "foreign"});
  out.push_back({"switch/yield/sse", "sse", "xmm5", "leak", "foreign"});
  out.push_back({"switch/spin/gsbase", "gsbase", "gsbase", "zero", "zeroed"});
  out.push_back({"switch/yield/all-mixed", "x87", "fcw", "bitflip", "bitflip"});
  return out;
}

std::string name_of(const ::testing::TestParamInfo<Mutation>& info) {
  const Mutation& m = info.param;
  return test::gtest_name(fmt::format("{}_{}_{}_{}", m.id, m.component, m.reg, m.kind));
}

class SwitchMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(SwitchMutation, IsReportedExactlyInOneUnit) {
  const Mutation& mu = GetParam();
  const CaseDescriptor* c = find_case(mu.id);
  ASSERT_NE(c, nullptr) << mu.id;
  if (!c->applicable(live_machine()).ok) GTEST_SKIP() << c->applicable(live_machine()).reason;
  const Availability a = find_component(mu.component)->availability(live_machine());
  if (!a.ok) GTEST_SKIP() << mu.component << ": " << a.reason;
  const std::string fault = fmt::format("{}:{}:{}", mu.component, mu.reg, mu.kind);
  const CaseResult r = run_case(mu.id, fault);
  if (r.status == Status::kSkip) GTEST_SKIP() << r.reason;
  ASSERT_EQ(r.status, Status::kFail)
      << mu.id << " --inject-fault " << fault << ": " << status_name(r.status) << " " << r.reason;
  ASSERT_EQ(r.diffs.size(), 1u) << mu.id << " " << fault;
  const RegisterDiff& d = r.diffs[0];
  EXPECT_EQ(component(d.component).name, mu.component);
  EXPECT_EQ(d.reg, mu.reg);
  EXPECT_EQ(diff_class_name(d.cls), std::string(mu.cls)) << d.source;
  const std::string unit = r.facts.at("fault_unit").get<std::string>();
  EXPECT_EQ(d.where.rfind("in " + unit + " after ", 0), 0u) << d.where << " / " << unit;
  EXPECT_TRUE(r.findings.empty());
}

INSTANTIATE_TEST_SUITE_P(Switch, SwitchMutation, ::testing::ValuesIn(mutations()), name_of);

// Fork: the broken register shows in parent and child, each named. A plain fork's leak loads
// another process's value; a fork inside a handler's, the handler's.
struct ForkMutation {
  const char* id;
  const char* component;
  const char* reg;
  const char* kind;
  const char* cls;
};

class ForkMutationTest : public ::testing::TestWithParam<ForkMutation> {};

TEST_P(ForkMutationTest, ShowsInParentAndChild) {
  const ForkMutation& mu = GetParam();
  const Availability a = find_component(mu.component)->availability(live_machine());
  if (!a.ok) GTEST_SKIP() << mu.component << ": " << a.reason;
  const std::string fault = fmt::format("{}:{}:{}", mu.component, mu.reg, mu.kind);
  const CaseResult r = run_case(mu.id, fault);
  ASSERT_EQ(r.status, Status::kFail) << mu.id << " " << fault << ": " << r.reason;
  ASSERT_EQ(r.diffs.size(), 2u) << mu.id << " " << fault;
  const bool in_handler = std::string(mu.id).find("in-handler") != std::string::npos;
  const char* who[2] = {"parent", "child"};
  for (unsigned p = 0; p < 2; ++p) {
    const RegisterDiff& d = r.diffs[p];
    EXPECT_EQ(component(d.component).name, mu.component);
    EXPECT_EQ(d.reg, mu.reg);
    EXPECT_EQ(diff_class_name(d.cls), std::string(mu.cls)) << d.source;
    const std::string where = in_handler
                                  ? fmt::format("in the {} after a fork in the handler", who[p])
                                  : fmt::format("in the {} after fork", who[p]);
    EXPECT_EQ(d.where, where);
  }
}

std::vector<ForkMutation> fork_mutations() {
  std::vector<ForkMutation> out;
  for (const char* id : {"process/fork/all", "process/fork-in-handler/all"}) {
    const bool in_handler = std::string(id).find("in-handler") != std::string::npos;
    const char* leak = in_handler ? "handler" : "foreign";
    out.push_back({id, "gpr", "r13", "leak", leak});
    out.push_back({id, "sse", "xmm7", "zero", "zeroed"});
    out.push_back({id, "avx", "ymm9", "leak", leak});
    out.push_back({id, "x87", "st2", "bitflip", "bitflip"});
    out.push_back({id, "mxcsr", "mxcsr", "leak", leak});
    out.push_back({id, "opmask", "k2", "leak", leak});
    out.push_back({id, "pkru", "pkru", "zero", "zeroed"});
    out.push_back({id, "fsbase", "fsbase", "leak", leak});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Fork, ForkMutationTest, ::testing::ValuesIn(fork_mutations()),
                         [](const auto& info) {
                           const ForkMutation& m = info.param;
                           return test::gtest_name(
                               fmt::format("{}_{}_{}_{}", m.id, m.component, m.reg, m.kind));
                         });

TEST(SwitchControl, UnmutatedCasesPassAfterSwitching) {
  for (const char* id : {"switch/yield/all", "switch/futex/all", "switch/spin/all",
                         "switch/migrate/all", "process/canary/all", "process/yield/all-mixed"}) {
    const CaseResult r = run_case(id, "");
    if (r.status == Status::kSkip) continue;  // migrate, on one CPU
    EXPECT_EQ(r.status, Status::kPass) << id << ": " << r.reason;
    EXPECT_GT(r.facts.value("context_switches", 0L), 0L) << id;
    EXPECT_GT(r.injections, 0u) << id;
  }
}

TEST(ForkControl, UnmutatedForksPassInBothProcesses) {
  for (const char* id : {"process/fork/all", "process/fork-in-handler/all"}) {
    const CaseResult r = run_case(id, "");
    EXPECT_EQ(r.status, Status::kPass) << id << ": " << r.reason;
    EXPECT_EQ(r.facts.value("forks", 0u), 3u) << id;
  }
}

TEST(SwitchControl, FaultsThatCannotShowAreErrors) {
  struct Unshowable {
    const char* id;
    const char* fault;
    const char* why;
  };
  for (const Unshowable& u : {Unshowable{"switch/yield/all", "gpr:r11:leak", "clobbers it"},
                              Unshowable{"switch/spin/all", "gpr:rcx:leak", "clobbers it"},
                              Unshowable{"switch/yield/sse", "avx:ymm1:leak", "does not check avx"},
                              Unshowable{"switch/yield/all", "guard", "no signal stack"},
                              Unshowable{"process/fork/all", "gpr:rcx:zero", "clobbers it"}}) {
    const CaseResult r = run_case(u.id, u.fault);
    EXPECT_EQ(r.status, Status::kError) << u.id << " " << u.fault << ": " << r.reason;
    EXPECT_NE(r.reason.find(u.why), std::string::npos) << r.reason;
  }
}

}  // namespace
}  // namespace sigctx
