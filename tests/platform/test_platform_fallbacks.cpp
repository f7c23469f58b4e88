// What the cases do with a platform finding: the dependent ones skip naming it, or fall back to
// a mechanism that works, and say which they used. Each test fakes the finding on this machine;
// removing the skip or the fallback makes it fail.
#include <gtest/gtest.h>

#include "engine/handler.h"
#include "engine/hold.h"
#include "runners/case_registry.h"
#include "tests/platform/faked.h"

namespace sigctx {
namespace {

using P = PlatformCapabilities;

Availability applicable(const char* id, const Machine& m) {
  const CaseDescriptor* c = find_case(id);
  EXPECT_NE(c, nullptr) << id;
  return c ? c->applicable(m) : Availability::no("no such case");
}

TEST(PlatformFallback, HwbpSkipsWhereBreakpointsNeverFire) {
  ASSERT_TRUE(applicable("signal/hwbp/gpr_mix", test::live_machine()).ok ||
              !test::live_machine().platform.perf_breakpoint.works());
  const Machine m = test::with_capability(
      &P::perf_breakpoint, Capability::broken_because("accepted, counted 0 of 3 calls"));
  const Availability a = applicable("signal/hwbp/gpr_mix", m);
  EXPECT_FALSE(a.ok);
  EXPECT_NE(a.reason.find("accepted, counted 0 of 3 calls"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("platform/debug-registers"), std::string::npos) << a.reason;
  // The step injector does not need them.
  EXPECT_TRUE(applicable("signal/step/gpr_mix", m).ok);
}

TEST(PlatformFallback, TrapCasesSkipWhereTrapsDoNotReachTheHandler) {
  const Machine no_tf = test::with_capability(
      &P::trap_flag, Capability::broken_because("the SIGTRAP killed the process"));
  for (const char* id :
       {"signal/step/gpr_mix", "signal/step-nested/sse_mix", "signal/step-edit/gpr_mix",
        "signal/step-frame/x87_stack", "signal/hwbp/gpr_mix", "signal/int3/memclr",
        "switch/step-yield/gpr_mix"}) {
    const Availability a = applicable(id, no_tf);
    EXPECT_FALSE(a.ok) << id;
    EXPECT_NE(a.reason.find("platform/trap-delivery"), std::string::npos) << id << ": " << a.reason;
  }
  // Storms need no trace: they still run.
  EXPECT_TRUE(applicable("signal/storm/gpr_mix", no_tf).ok);
  const Machine no_int3 =
      test::with_capability(&P::int3, Capability::broken_because("no SIGTRAP from int3"));
  EXPECT_FALSE(applicable("signal/int3/gpr_mix", no_int3).ok);
  EXPECT_TRUE(applicable("signal/step/gpr_mix", no_int3).ok);
}

// Under user-mode Linux a TF trap kills the process: a storm that traced its kernel first died
// with it. Now it runs untraced, and still catches a fault.
TEST(PlatformFallback, StormsRunUntracedWhereTfTrapsFail) {
  const Machine m = test::with_capability(
      &P::trap_flag, Capability::broken_because("the SIGTRAP killed the process"));
  const CaseResult r = test::run_case_on(m, "signal/storm/gpr_mix", "sse:xmm3:zero");
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  ASSERT_FALSE(r.diffs.empty());
  EXPECT_EQ(r.diffs[0].component, ComponentId::kSse);
  EXPECT_EQ(r.diffs[0].reg, "xmm3");
  ASSERT_TRUE(r.facts.at("boundaries").is_string()) << r.facts.dump();
  EXPECT_EQ(r.facts.at("boundaries").get<std::string>().rfind("not traced: ", 0), 0u);
}

TEST(PlatformFallback, AltstackChurnSkipsWhereMincoreCannotTell) {
  const Machine m = test::with_capability(
      &P::mincore, Capability::broken_because("4 of 4 never-touched pages resident"));
  const Availability a = applicable("signal/altstack-churn/sse", m);
  EXPECT_FALSE(a.ok);
  EXPECT_NE(a.reason.find("platform/mincore"), std::string::npos) << a.reason;
  EXPECT_TRUE(applicable("signal/altstack/sse", m).ok);
}

// A hypervisor that accepts DR0/DR7 and never fires them let the tracee run past its stop: the
// ptrace cases stop it with an int3 written into its code instead (where int3 reaches the
// tracer), or by single steps (where it does not), say which, and still see a tracer's view go
// wrong.
void expect_stop_and_mutation(const Machine& m, const std::string& how) {
  const CaseResult clean = test::run_case_on(m, "ptrace/read/gpr", "");
  EXPECT_EQ(clean.status, Status::kPass) << clean.reason;
  EXPECT_EQ(clean.facts.at("stop").get<std::string>().rfind(how, 0), 0u) << clean.facts.dump();
  const CaseResult broken = test::run_case_on(m, "ptrace/read/gpr", "gpr:rbp:leak");
  ASSERT_EQ(broken.status, Status::kFail) << broken.reason;
  ASSERT_FALSE(broken.diffs.empty());
  EXPECT_EQ(broken.diffs[0].component, ComponentId::kGpr);
  EXPECT_EQ(broken.diffs[0].reg, "rbp");
}

TEST(PlatformFallback, PtraceStopsWithAnInt3WhereDebugRegistersNeverFire) {
  const Machine m = test::with_capability(&P::ptrace_breakpoint,
                                          Capability::broken_because("the tracee ran to its exit"));
  if (!applicable("ptrace/read/gpr", m).ok) GTEST_SKIP() << applicable("ptrace/read/gpr", m).reason;
  expect_stop_and_mutation(m, "int3 written with PTRACE_POKETEXT");
  // Where they fire, the breakpoint is used.
  if (test::live_machine().platform.ptrace_breakpoint.works()) {
    EXPECT_EQ(test::run_case("ptrace/read/gpr", "").facts.at("stop"), "debug-register breakpoint");
  }
}

TEST(PlatformFallback, PtraceSingleStepsWhereNeitherDebugRegistersNorInt3Work) {
  Machine m = test::with_capability(&P::ptrace_breakpoint,
                                    Capability::broken_because("the tracee ran to its exit"));
  m.platform.int3 = Capability::broken_because("the int3 killed the process");
  if (!applicable("ptrace/read/gpr", m).ok) GTEST_SKIP() << applicable("ptrace/read/gpr", m).reason;
  expect_stop_and_mutation(m, "PTRACE_SINGLESTEP");
  // And without single steps either, the ptrace cases skip, naming all three findings.
  m.platform.ptrace_singlestep = Capability::broken_because("PTRACE_CONT kept stepping");
  const Availability a = applicable("ptrace/read/gpr", m);
  EXPECT_FALSE(a.ok);
  for (const char* named :
       {"platform/debug-registers", "platform/trap-delivery", "platform/ptrace-singlestep"})
    EXPECT_NE(a.reason.find(named), std::string::npos) << a.reason;
}

// Without RD/WRFSBASE every FS/GS base access is an arch_prctl (an MSR access a hypervisor may
// trap): the sweeps then hold the host's bases, the handler takes them as known, and the cases
// still pass clean and catch a fault.
TEST(PlatformFallback, SweepsWithoutFsgsbaseHoldTheHostsBases) {
  Machine m = test::live_machine();
  m.auxv.hwcap2_fsgsbase = false;
  if (!applicable("signal/step/gpr_mix", m).ok)
    GTEST_SKIP() << applicable("signal/step/gpr_mix", m).reason;
  const CaseResult clean = test::run_case_on(m, "signal/step/gpr_mix", "");
  EXPECT_EQ(clean.status, Status::kPass) << clean.reason;
  EXPECT_TRUE(clean.facts.contains("segment_bases")) << clean.facts.dump();
  const CaseResult broken = test::run_case_on(m, "signal/step/gpr_mix", "sse:xmm3:zero");
  ASSERT_EQ(broken.status, Status::kFail) << broken.reason;
  ASSERT_FALSE(broken.diffs.empty());
  EXPECT_EQ(broken.diffs[0].component, ComponentId::kSse);
  EXPECT_EQ(broken.diffs[0].reg, "xmm3");
  // With them, the bases are held and read as before.
  if (test::live_machine().fsgsbase_instructions()) {
    EXPECT_FALSE(test::run_case("signal/step/gpr_mix", "").facts.contains("segment_bases"));
  }
}

// The switch cases' own witness: a unit that finds another unit's mark from its CPU between two
// of its own was switched out. Marks taken here by one thread stand for the units.
TEST(SwitchWitness, AnotherUnitsMarkFromThisCpuCounts) {
  init_signal_runtime(test::live_machine());
  if (!(sigctx_asm_features & ASMF_RDTSCP)) GTEST_SKIP() << "no RDTSCP: the witness is off";
  uint64_t word = 0;
  SwitchWitness a{&word, 1, 0}, b{&word, 2, 0};
  sigctx_switch_mark(&a);  // the first mark: nothing before it
  sigctx_switch_mark(&a);  // its own mark
  EXPECT_EQ(a.seen, 0u);
  sigctx_switch_mark(&b);  // a's mark from this CPU
  sigctx_switch_mark(&a);
  EXPECT_EQ(a.seen, 1u);
  EXPECT_EQ(b.seen, 1u);
  // A mark from another CPU proves nothing about this one.
  word = ((((word >> 8) + 1) & 0xfff) << 8) | 2;
  sigctx_switch_mark(&a);
  EXPECT_EQ(a.seen, 1u);
}

TEST(SwitchWitness, TheSwitchCasesShowTheirSwitchesWithoutRusage) {
  init_signal_runtime(test::live_machine());
  if (!(sigctx_asm_features & ASMF_RDTSCP)) GTEST_SKIP() << "no RDTSCP: the witness is off";
  for (const char* id : {"switch/yield/gpr", "switch/futex/sse", "switch/spin/rflags"}) {
    const CaseResult r = test::run_case(id, "");
    EXPECT_EQ(r.status, Status::kPass) << id << ": " << r.reason;
    EXPECT_GT(r.facts.at("switches_witnessed").get<uint64_t>(), 0u) << id << r.facts.dump();
  }
}

}  // namespace
}  // namespace sigctx
