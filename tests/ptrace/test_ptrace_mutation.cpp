// The ptrace checkers' mutation tests. Read: a view that reports one register wrong must be
// named with that component, register and class, in every view that holds the register and in
// no other. Write: a tracer write that does not take effect (the tracee keeps its own value, a
// flipped bit, zero) must show in the tracee with that component, register and class.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <set>

#include "engine/ptrace_views.h"
#include "runners/case_registry.h"
#include "tests/support/gtest_name.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

struct PtraceMutation {
  const char* mode;  // "read" or "write"
  const char* component;
  const char* reg;
  const char* kind;
  const char* cls;
};

std::vector<PtraceMutation> mutations() {
  const std::pair<const char*, const char*> regs[] = {
      {"gpr", "rbp"},        {"rflags", "rflags"}, {"x87", "st0"},       {"mxcsr", "mxcsr"},
      {"sse", "xmm9"},       {"avx", "ymm4"},      {"opmask", "k5"},     {"zmm_hi256", "zmm12"},
      {"hi16_zmm", "zmm18"}, {"pkru", "pkru"},     {"fsbase", "fsbase"}, {"gsbase", "gsbase"}};
  std::vector<PtraceMutation> out;
  for (auto [comp, reg] : regs) {
    out.push_back({"read", comp, reg, "leak", "foreign"});
    out.push_back({"write", comp, reg, "leak", "stale"});
  }
  out.push_back({"read", "avx", "ymm15", "bitflip", "bitflip"});
  out.push_back({"write", "sse", "xmm2", "zero", "zeroed"});
  out.push_back({"write", "gpr", "rax", "bitflip", "bitflip"});
  return out;
}

class PtraceMutationTest : public ::testing::TestWithParam<PtraceMutation> {};

TEST_P(PtraceMutationTest, IsReportedWhereItHappened) {
  const PtraceMutation& mu = GetParam();
  const std::string id = fmt::format("ptrace/{}/all", mu.mode);
  const CaseDescriptor* c = find_case(id);
  ASSERT_NE(c, nullptr);
  if (!c->applicable(live_machine()).ok) GTEST_SKIP() << c->applicable(live_machine()).reason;
  const ComponentDescriptor* comp = find_component(mu.component);
  if (!comp->availability(live_machine()).ok)
    GTEST_SKIP() << mu.component << ": " << comp->availability(live_machine()).reason;
  const std::string fault = fmt::format("{}:{}:{}", mu.component, mu.reg, mu.kind);
  const CaseResult r = run_case(id, fault);
  if (r.status == Status::kSkip) GTEST_SKIP() << r.reason;
  ASSERT_EQ(r.status, Status::kFail) << id << " " << fault << ": " << r.reason;
  std::set<std::string> wheres;
  for (const RegisterDiff& d : r.diffs) {
    EXPECT_EQ(component(d.component).name, mu.component);
    EXPECT_EQ(d.reg, mu.reg);
    EXPECT_EQ(diff_class_name(d.cls), std::string(mu.cls)) << d.where << ": " << d.source;
    wheres.insert(d.where);
  }
  std::set<std::string> expected;
  if (std::string(mu.mode) == "read") {
    for (PtraceView v : all_ptrace_views())
      if (ptrace_view_components(v, live_machine()) & component_bit(comp->id))
        expected.insert(fmt::format("in the tracer's {} view", ptrace_view_name(v)));
  } else {
    expected.insert("in the tracee after the tracer's writes");
  }
  EXPECT_EQ(wheres, expected);
  EXPECT_EQ(r.diffs.size(), expected.size());
}

INSTANTIATE_TEST_SUITE_P(Ptrace, PtraceMutationTest, ::testing::ValuesIn(mutations()),
                         [](const ::testing::TestParamInfo<PtraceMutation>& info) {
                           const PtraceMutation& m = info.param;
                           return test::gtest_name(
                               fmt::format("{}_{}_{}_{}", m.mode, m.component, m.reg, m.kind));
                         });

// Without a fault every ptrace case that runs here passes, having stopped the tracee.
TEST(PtraceControl, EveryCasePassesHavingStopped) {
  unsigned ran = 0;
  for (const CaseDescriptor& c : all_cases()) {
    if (c.id.rfind("ptrace/", 0) != 0 || !c.applicable(live_machine()).ok) continue;
    const CaseResult r = run_case(c.id, "");
    if (r.status == Status::kSkip) continue;
    EXPECT_EQ(r.status, Status::kPass) << c.id << ": " << r.reason;
    EXPECT_EQ(r.injections, 1u) << c.id;
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "ptrace is unavailable here";
}

}  // namespace
}  // namespace sigctx
