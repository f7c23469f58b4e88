// The mutation tests: for every transition, component and fault kind, a handler that breaks
// exactly one register must make the matching case fail, naming that component, register and
// class, and nothing else. A mutation that passes is itself a failure.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "runners/case_registry.h"
#include "runners/executor.h"
#include "tests/support/gtest_name.h"
#include "tests/support/representative_registers.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

struct Mutation {
  const char* transition;
  const char* component;
  const char* reg;
  const char* kind;
  const char* cls;
  unsigned level = 1;
  const char* variant = nullptr;  // case variant; the component's own case when null
};

std::string name_of(const ::testing::TestParamInfo<Mutation>& info) {
  const Mutation& m = info.param;
  const std::string variant = m.variant ? m.variant : "";
  const std::string name = std::string(m.transition) + "_" +
                           (variant.empty() ? "" : variant + "_") + m.component + "_" + m.reg +
                           "_" + m.kind;
  return test::gtest_name(m.level == 2 ? name + "_level2" : name);
}

std::vector<Mutation> all_mutations() {
  // One representative register per component, away from register 0 (st3: live in every role's
  // x87 stack, which holds 4 to 8 values).
  const auto regs = test::representative_registers();
  const std::pair<const char*, const char*> kinds[] = {
      {"leak", "handler"}, {"bitflip", "bitflip"}, {"zero", "zeroed"}};
  std::vector<Mutation> out;
  for (const char* t : {"sync", "async", "frame", "edit", "nested", "altstack"})
    for (auto [comp, reg] : regs) {
      const bool segment_base = std::string(comp) == "fsbase" || std::string(comp) == "gsbase";
      if ((std::string(t) == "frame" || std::string(t) == "edit") && segment_base) continue;
      for (auto [kind, cls] : kinds)
        out.push_back({t, comp, reg, kind, cls});
    }
  // The churn cases (linux-5.2-sigframe conditions) exist for the vector components.
  for (auto [comp, reg] : regs) {
    if (!find_case(fmt::format("signal/altstack-churn/{}", comp))) continue;
    for (auto [kind, cls] : kinds)
      out.push_back({"altstack-churn", comp, reg, kind, cls});
  }
  // The nested case's own check of the level-1 handler's state.
  for (auto [comp, reg] : regs)
    out.push_back({"nested", comp, reg, "leak", "handler", 2});
  // x87 status and tag words.
  for (const char* t : {"sync", "async", "frame", "edit", "nested", "altstack"})
    for (const char* reg : {"fsw", "ftw"}) {
      out.push_back({t, "x87", reg, "leak", "handler"});
      out.push_back({t, "x87", reg, "bitflip", "bitflip"});
    }
  // Components in their init state, mixed init and live components (which are which follows
  // the default seed 0x6a09e667: opmask and hi16_zmm init, zmm_hi256 live), and special values.
  struct Shaped {
    const char* variant;
    const char* component;
    const char* reg;
    const char* kind;
    const char* cls;
  };
  const Shaped shaped[] = {
      {"all-zero", "sse", "xmm8", "leak", "handler"},  // freebsd-xmm8-15
      {"all-zero", "avx", "ymm4", "leak", "handler"},  // illumos-15254
      {"all-zero", "opmask", "k2", "leak", "handler"},
      {"all-zero", "x87", "fsw", "leak", "handler"},
      {"all-zero", "pkru", "pkru", "leak", "handler"},   // linux-6.12-pkru restores 0
      {"all-mixed", "opmask", "k3", "leak", "handler"},  // darwin-opmask: live zmm, init k
      {"all-mixed", "zmm_hi256", "zmm2", "zero", "zeroed"},
      {"all-mixed", "hi16_zmm", "zmm17", "leak", "handler"},
      {"x87-special", "x87", "fcw", "leak", "handler"},
      {"x87-special", "x87", "st3", "bitflip", "bitflip"},
      {"mxcsr-special", "mxcsr", "mxcsr", "leak", "handler"},
  };
  for (const char* t : {"sync", "async", "frame", "edit"})
    for (const Shaped& x : shaped)
      out.push_back({t, x.component, x.reg, x.kind, x.cls, 1, x.variant});
  return out;
}

class MutationTest : public ::testing::TestWithParam<Mutation> {};

TEST_P(MutationTest, IsReportedExactly) {
  const Mutation& mu = GetParam();
  const auto* comp = find_component(mu.component);
  ASSERT_NE(comp, nullptr);
  const Availability a = comp->availability(live_machine());
  if (!a.ok) GTEST_SKIP() << mu.component << " not available here: " << a.reason;
  const std::string id =
      fmt::format("signal/{}/{}", mu.transition, mu.variant ? mu.variant : mu.component);
  const std::string fault = fmt::format("{}:{}:{}:{}", mu.component, mu.reg, mu.kind, mu.level);
  const CaseResult r = run_case(id, fault);
  ASSERT_EQ(r.status, Status::kFail)
      << id << " with --inject-fault " << fault << ": " << status_name(r.status) << " " << r.reason;
  ASSERT_FALSE(r.diffs.empty());
  for (const RegisterDiff& d : r.diffs) {
    EXPECT_EQ(component(d.component).name, mu.component) << d.where;
    EXPECT_EQ(d.reg, mu.reg) << d.where;
    EXPECT_EQ(diff_class_name(d.cls), std::string(mu.cls)) << d.reg << " " << d.where;
  }
  if (mu.level == 2) {
    EXPECT_EQ(r.diffs.front().where, "in the level-1 handler across the nested signal");
  }
  EXPECT_TRUE(r.findings.empty()) << r.findings.front().check;
}

INSTANTIATE_TEST_SUITE_P(Signal, MutationTest, ::testing::ValuesIn(all_mutations()), name_of);

// Without a fault, the same cases pass: the mutation is what fails them.
TEST(MutationControl, UnmutatedCasesPass) {
  for (const char* id :
       {"signal/sync/all", "signal/async/all", "signal/frame/all", "signal/edit/all",
        "signal/nested/all", "signal/altstack/all", "signal/altstack-churn/all"}) {
    const CaseResult r = run_case(id, "");
    EXPECT_EQ(r.status, Status::kPass) << id << ": " << r.reason;
    EXPECT_GT(r.injections, 0u) << id;
  }
}

// The altstack guard checker: one byte written below the stack is found and located.
TEST(MutationGuard, WriteBelowTheAltstackIsFound) {
  for (const char* id : {"signal/altstack/sse", "signal/altstack/size"}) {
    const CaseResult r = run_case(id, "guard");
    ASSERT_EQ(r.status, Status::kFail) << id << ": " << r.reason;
    ASSERT_FALSE(r.findings.empty());
    EXPECT_EQ(r.findings.front().check, "altstack.guard_below") << id;
    EXPECT_NE(r.findings.front().message.find("offsets -1..-1"), std::string::npos)
        << r.findings.front().message;
  }
}

// signal/altstack/pkey-denied: with PKRU denying key 0 across the delivery, a handler that
// breaks one register is still reported exactly, PKRU included (a PKRU that denies the
// interrupted code its own key comes back through the fault it causes).
TEST(MutationPkeyAltstack, OneBrokenRegisterIsReportedExactly) {
  const char* id = "signal/altstack/pkey-denied";
  const CaseDescriptor* c = find_case(id);
  ASSERT_NE(c, nullptr);
  if (!c->applicable(live_machine()).ok) GTEST_SKIP() << c->applicable(live_machine()).reason;
  const CaseResult clean = run_case(id, "");
  ASSERT_EQ(clean.status, Status::kPass) << clean.reason;
  EXPECT_EQ(clean.injections, 8u);
  struct Fault {
    const char* spec;
    const char* component;
    const char* reg;
    const char* cls;
  };
  for (const Fault& f : {Fault{"pkru:pkru:zero", "pkru", "pkru", "zeroed"},
                         Fault{"pkru:pkru:leak", "pkru", "pkru", "handler"},
                         Fault{"pkru:pkru:bitflip", "pkru", "pkru", "bitflip"},
                         Fault{"gpr:r12:leak", "gpr", "r12", "handler"},
                         Fault{"sse:xmm11:zero", "sse", "xmm11", "zeroed"},
                         Fault{"avx:ymm13:bitflip", "avx", "ymm13", "bitflip"}}) {
    if (!find_component(f.component)->availability(live_machine()).ok) continue;
    const CaseResult r = run_case(id, f.spec);
    ASSERT_EQ(r.status, Status::kFail)
        << f.spec << ": " << status_name(r.status) << " " << r.reason;
    ASSERT_EQ(r.diffs.size(), 1u) << f.spec;
    EXPECT_EQ(component(r.diffs[0].component).name, f.component) << f.spec;
    EXPECT_EQ(r.diffs[0].reg, f.reg) << f.spec;
    EXPECT_EQ(diff_class_name(r.diffs[0].cls), std::string(f.cls)) << f.spec;
    EXPECT_TRUE(r.findings.empty()) << f.spec << ": " << r.findings.front().check;
  }
  const CaseResult guard = run_case(id, "guard");
  ASSERT_EQ(guard.status, Status::kFail) << guard.reason;
  ASSERT_FALSE(guard.findings.empty());
  EXPECT_EQ(guard.findings.front().check, "altstack.guard_below");
}

// The badframe checker: a handler that leaks one register the broken frame still declares is
// found with its component, register and class, and Linux's magic2 fallback (an xfail) does
// not hide it; a fault the case cannot show is an error, not a pass.
TEST(MutationBadFrame, LeakIntoADeclaredRegisterIsFound) {
  struct Leak {
    const char* id;
    const char* fault;
    const char* component;
    const char* reg;
  };
  for (const Leak& l : {Leak{"signal/badframe/magic1", "sse:xmm3", "sse", "xmm3"},
                        Leak{"signal/badframe/magic2", "sse:xmm3", "sse", "xmm3"},
                        Leak{"signal/badframe/xstate-size-smaller", "avx:ymm3", "avx", "ymm3"}}) {
    const CaseDescriptor* c = find_case(l.id);
    ASSERT_NE(c, nullptr) << l.id;
    if (!c->applicable(live_machine()).ok) continue;
    const CaseResult r = run_case(l.id, l.fault);
    ASSERT_EQ(r.status, Status::kFail) << l.id << ": " << status_name(r.status) << " " << r.reason;
    unsigned leaked = 0;
    for (const RegisterDiff& d : r.diffs)
      if (d.cls == DiffClass::kHandler) {
        ++leaked;
        EXPECT_EQ(component(d.component).name, l.component) << l.id;
        EXPECT_EQ(d.reg, l.reg) << l.id;
      }
    EXPECT_EQ(leaked, 1u) << l.id;
  }
}

// linux.json excuses magic2's FP/SSE-only fallback, which puts AVX and above in their init
// state; a handler value leaking into the XMM registers the fallback does restore is another
// fault, and the entry does not excuse it.
TEST(MutationBadFrame, TheFallbackExpectationDoesNotHideALeak) {
  const CaseDescriptor* c = find_case("signal/badframe/magic2");
  ASSERT_NE(c, nullptr);
  if (!c->applicable(live_machine()).ok) GTEST_SKIP() << c->applicable(live_machine()).reason;
  const CaseResult clean = run_case("signal/badframe/magic2", "");
  ASSERT_EQ(clean.status, Status::kXfail) << status_name(clean.status) << " " << clean.reason;
  EXPECT_EQ(clean.expectation.sources.at(0).rfind("builtin:linux.json:", 0), 0u);
  const CaseResult leak = run_case("signal/badframe/magic2", "sse:xmm5");
  ASSERT_EQ(leak.status, Status::kFail) << status_name(leak.status) << " " << leak.reason;
  EXPECT_EQ(leak.expectation.outcome, "not-covered");
  EXPECT_EQ(leak.expectation.uncovered, "sse xmm5 class handler");
}

TEST(MutationBadFrame, FaultThatCannotShowIsAnError) {
  for (const char* fault : {"gpr:rbx", "guard"}) {
    const CaseResult r = run_case("signal/badframe/magic1", fault);
    EXPECT_EQ(r.status, Status::kError) << fault << ": " << r.reason;
    EXPECT_NE(r.reason.find("cannot show here"), std::string::npos) << r.reason;
  }
}

TEST(FaultSpec, ParseErrorsNameThePart) {
  std::string error;
  EXPECT_FALSE(parse_fault_spec("ymm:ymm3", &error));
  EXPECT_NE(error.find("unknown component 'ymm'"), std::string::npos) << error;
  EXPECT_FALSE(parse_fault_spec("avx:xmm3", &error));
  EXPECT_NE(error.find("no register 'xmm3'"), std::string::npos) << error;
  EXPECT_FALSE(parse_fault_spec("gpr:rsp", &error));
  EXPECT_FALSE(parse_fault_spec("avx:ymm3:melt", &error));
  EXPECT_NE(error.find("unknown fault kind 'melt'"), std::string::npos) << error;
  EXPECT_FALSE(parse_fault_spec("avx:ymm3:leak:3", &error));
  auto ok = parse_fault_spec("sse:*:bitflip:2", &error);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->field, -1);
  EXPECT_EQ(ok->kind, FaultKind::kBitflip);
  EXPECT_EQ(ok->level, 2u);
}

}  // namespace
}  // namespace sigctx
