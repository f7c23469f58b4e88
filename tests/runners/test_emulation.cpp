// The catalog as the suite's own mutation test: with --emulate BUG, the cases that guard against
// the bug fail, naming its component and class, and no case that does not guard against it
// fails; without the emulation the same cases pass.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <map>
#include <set>

#include "runners/bug_catalog.h"
#include "runners/case_registry.h"
#include "runners/executor.h"
#include "tests/support/gtest_name.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;

// What the bug's primary case must report: every difference in this component ("": any), of
// this class,
// on registers whose names start with one of these prefixes (empty: any register).
struct Expected {
  const char* bug;
  const char* primary_case;
  const char* component;
  const char* cls;
  std::vector<std::string> registers;
  // A finding instead of differences (for frames the handler could not read).
  const char* finding = nullptr;
};

std::vector<Expected> expectations() {
  return {
      {"illumos-15254", "signal/sync/avx", "avx", "handler", {}},
      {"linux-5.2-sigframe", "signal/altstack/sse", "sse", "foreign", {}},
      {"linux-5.2-sigframe", "signal/altstack-churn/avx", "avx", "foreign", {}},
      {"darwin-opmask", "signal/async/opmask", "opmask", "handler", {}},
      {"freebsd-xmm8-15",
       "signal/sync/all-zero",
       "sse",
       "handler",
       {"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"}},
      {"illumos-15206", "context/thread/fsbase", "fsbase", "foreign", {}},
      {"linux-6.12-pkru", "signal/sync/pkru", "pkru", "zeroed", {}},
      {"linux-pkru-altstack", "signal/altstack/pkey-denied", "", "", {}, "altstack.pkey_delivery"},
      {"linux-6.12-pkru", "signal/altstack/pkey-denied", "pkru", "zeroed", {}},
      {"linux-altstack-overflow", "signal/altstack/size", "", "", {}, "altstack.guard_below"},
      {"linux-fx-only-fallback", "signal/badframe/xstate-size-smaller", "avx", "zeroed", {}},
      {"cve-2017-15537", "signal/badframe/xcomp-bv", "sse", "foreign", {}},
      {"cve-2017-15537", "signal/badframe/header-reserved", "sse", "foreign", {}},
      {"cve-2017-15537", "signal/badframe/xstate-bv-unsupported", "sse", "foreign", {}},
      {"cve-2017-15537", "ptrace/bad-header/xcomp-bv", "", "", {}, "ptrace.setregset_bad_header"},
      {"cve-2017-15537", "ptrace/bad-header/reserved", "", "", {}, "ptrace.setregset_bad_header"},
      {"cve-2017-15537",
       "ptrace/bad-header/xstate-bv-beyond-xcr0",
       "",
       "",
       {},
       "ptrace.setregset_bad_header"},
      {"qemu-user-xfeatures", "signal/badframe/xstate-bv-init", "", "stale", {}},
      {"amd-nullsel-base", "switch/yield/gsbase", "gsbase", "foreign", {}},
      {"lazyfp", "process/yield/all", "sse", "foreign", {}},
      {"zenbleed", "process/yield/all", "avx", "foreign", {}},
      {"valgrind-sigcontext", "signal/edit/sse", "sse", "stale", {}},
      {"valgrind-sigcontext", "signal/frame/sse", "sse", "unknown", {}},
      {"valgrind-sigcontext", "signal/frame/gpr", "", "", {}, "frame.magic1"},
      {"linux-coredump-pkru-stale", "core/pkru-unswitched", "pkru", "init", {}},
      {"uml-avx512-sigreturn", "signal/sync/opmask", "opmask", "handler", {}},
      {"uml-avx512-sigreturn", "signal/frame/zmm_hi256", "zmm_hi256", "handler", {}},
      {"gvisor-gsbase", "signal/sync/gsbase", "gsbase", "zeroed", {}},
  };
}

std::string name_of(const ::testing::TestParamInfo<Expected>& info) {
  return test::gtest_name(fmt::format("{}_{}", info.param.bug, info.param.primary_case));
}

class EmulationPrimary : public ::testing::TestWithParam<Expected> {};

TEST_P(EmulationPrimary, FailsNamingComponentAndClassAndPassesWithout) {
  const Expected& e = GetParam();
  const Emulation* emulation = find_emulation(e.bug);
  ASSERT_NE(emulation, nullptr) << e.bug;
  const CaseDescriptor* c = find_case(e.primary_case);
  ASSERT_NE(c, nullptr);
  if (!c->applicable(live_machine()).ok) {
    GTEST_SKIP() << c->applicable(live_machine()).reason;
  }
  bool guards = false;
  for (const std::string& g : c->guards)
    guards |= g == e.bug;
  EXPECT_TRUE(guards) << e.primary_case << " does not name " << e.bug;

  const CaseResult bad = test::run_case(e.primary_case, "", {}, 60, emulation);
  // The case says when this machine cannot produce the bug's trigger (a sigaltstack floor above
  // the frame: no stack too small for it).
  if (bad.status == Status::kPass && bad.facts.contains("too_small_untestable"))
    GTEST_SKIP() << bad.facts["too_small_untestable"].get<std::string>();
  ASSERT_EQ(bad.status, Status::kFail) << status_name(bad.status) << " " << bad.reason;
  EXPECT_GT(bad.facts.value("emulated_deliveries", uint64_t{0}), 0u);
  if (e.finding) {
    ASSERT_FALSE(bad.findings.empty());
    EXPECT_EQ(bad.findings.front().check, e.finding);
  } else {
    ASSERT_FALSE(bad.diffs.empty());
    std::set<std::string> regs;
    for (const RegisterDiff& d : bad.diffs) {
      if (*e.component) {
        EXPECT_EQ(component(d.component).name, e.component) << d.reg;
      }
      EXPECT_EQ(diff_class_name(d.cls), std::string(e.cls)) << d.reg << ": " << d.source;
      regs.insert(d.reg);
    }
    if (!e.registers.empty()) {
      EXPECT_EQ(regs, std::set<std::string>(e.registers.begin(), e.registers.end()));
    }
  }

  const CaseResult good = test::run_case(e.primary_case, "");
  EXPECT_EQ(good.status, Status::kPass) << good.reason;
}

INSTANTIATE_TEST_SUITE_P(Catalog, EmulationPrimary, ::testing::ValuesIn(expectations()), name_of);

// Every case that fails under an emulation names the bug among its guards, and every case that
// names it and runs here fails: `sigctx explain BUG` lists exactly the cases that catch it.
class EmulationGuards : public ::testing::TestWithParam<std::string> {};

TEST_P(EmulationGuards, FailingCasesAreExactlyTheGuardingOnes) {
  const Emulation* emulation = find_emulation(GetParam());
  ASSERT_NE(emulation, nullptr);
  std::vector<Job> jobs;
  for (const CaseDescriptor& c : all_cases())
    if (c.applicable(live_machine()).ok) jobs.push_back({&c, 0x6a09e667, 0});
  RunControls controls;
  controls.emulation = emulation;
  controls.duration_s = 0.3;  // the profiles' cases
  ExecutorOptions opts;
  opts.jobs = 2;
  opts.timeout_s = 60;
  std::set<std::string> failed, guarding, untestable;
  execute(jobs, live_machine(), controls, opts, [&](size_t k, CaseResult&& r) {
    test::judge_by_builtin_expectations(r);
    EXPECT_NE(r.status, Status::kError) << r.id << ": " << r.reason << " " << r.facts.dump();
    if (r.status == Status::kFail) failed.insert(jobs[k].descriptor->id);
    if (r.status == Status::kPass && r.facts.contains("too_small_untestable"))
      untestable.insert(jobs[k].descriptor->id);
  });
  for (const Job& j : jobs)
    for (const std::string& g : j.descriptor->guards)
      if (g == GetParam() && !untestable.count(j.descriptor->id)) guarding.insert(j.descriptor->id);
  if (guarding.empty() && failed.empty())
    GTEST_SKIP() << "no case that guards " << GetParam() << " can show it on this machine";
  std::vector<std::string> unnamed, missed;
  std::set_difference(failed.begin(), failed.end(), guarding.begin(), guarding.end(),
                      std::back_inserter(unnamed));
  std::set_difference(guarding.begin(), guarding.end(), failed.begin(), failed.end(),
                      std::back_inserter(missed));
  EXPECT_TRUE(unnamed.empty()) << "fail without naming the bug: "
                               << fmt::format("{}", fmt::join(unnamed, " "));
  // A case may name the bug for components this machine lacks.
  const ComponentMask touches = emulation->touches;
  if ((available_components(live_machine()) & touches) != touches)
    GTEST_SKIP() << "the bug changes " << component_names(touches)
                 << ", which this machine lacks in part; no case here failed without naming it";
  EXPECT_TRUE(missed.empty()) << "name the bug but pass: "
                              << fmt::format("{}", fmt::join(missed, " "));
  EXPECT_FALSE(failed.empty());
}

std::vector<std::string> emulated_bugs() {
  std::vector<std::string> out;
  for (const Emulation& e : emulations())
    if (e.not_emulated.empty()) out.emplace_back(e.bug);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalog, EmulationGuards, ::testing::ValuesIn(emulated_bugs()),
                         [](const auto& info) { return test::gtest_name(info.param); });

// Every emulation is of a catalog bug.
TEST(EmulationCatalog, EveryEmulationIsACatalogEntry) {
  for (const Emulation& e : emulations()) {
    EXPECT_NE(find_bug(e.bug), nullptr) << e.bug;
    if (!e.not_emulated.empty()) continue;  // says why it cannot be, instead
    EXPECT_FALSE(e.effect.empty()) << e.bug;
    EXPECT_TRUE(e.on_entry || e.on_return || e.altstack_overrun || e.on_context_resume ||
                e.switch_hook_after || e.on_ptrace_xstate_write || e.on_core_xstate_note)
        << e.bug << " does nothing";
  }
}

// And every catalog bug has one, or says why user space cannot replay it: the catalog is the
// suite's mutation test in full.
TEST(EmulationCatalog, EveryCatalogBugIsEmulated) {
  for (const BugEntry& b : bug_catalog())
    EXPECT_NE(find_emulation(b.id), nullptr) << b.id;
}

}  // namespace
}  // namespace sigctx
