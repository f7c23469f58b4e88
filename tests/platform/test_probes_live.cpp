// The probes on this machine, and the pieces of their logic that need a platform this machine is
// not: a trap that kills its process, a delivery cost that sets the time limits.
#include <gtest/gtest.h>

#include <signal.h>

#include "platform/capability_probes.h"
#include "runners/executor.h"
#include "tests/support/run_case.h"

namespace sigctx {
namespace {

TEST(LiveProbes, EveryCapabilityIsAnsweredWithWhatWasTried) {
  const PlatformCapabilities& p = test::live_machine().platform;
  ASSERT_TRUE(p.probed);
  for (const CapabilityField& f : capability_fields())
    EXPECT_FALSE((p.*f.member).detail.empty()) << f.name;
  EXPECT_GT(p.syscall_ns, 0);
  EXPECT_GT(p.delivery_ns, p.syscall_ns);  // a delivery is two kernel entries and more
  EXPECT_GT(p.clock.step_ns, 0u);
  EXPECT_GE(p.online_cpus, 1u);
  EXPECT_GE(p.allowed_cpus, 1u);
  // What this very process could do, the probe must not call broken.
  EXPECT_FALSE(p.int3.broken()) << p.int3.detail;
}

// Under user-mode Linux 6.1 a TF single step's SIGTRAP kills the process although a handler is
// installed: the probe's child dies of it, and that is the finding.
TEST(TrapProbe, ATrapThatKillsTheProcessIsBroken) {
  const ProbeChildEnd end = run_probe_child(
      [] {
        signal(SIGTRAP, SIG_DFL);
        raise(SIGTRAP);
        return Capability::works_because("not reached");
      },
      5000);
  EXPECT_FALSE(end.answered);
  EXPECT_EQ(end.signal, SIGTRAP);
  const Capability c = trap_verdict(end, "a TF single step");
  EXPECT_TRUE(c.broken());
  EXPECT_EQ(c.detail,
            "the SIGTRAP of a TF single step killed the process instead of reaching its handler");
}

TEST(TrapProbe, AnAnswerIsTakenAsGiven) {
  const ProbeChildEnd end =
      run_probe_child([] { return Capability::refused_because("not here"); }, 5000);
  ASSERT_TRUE(end.answered) << end.how_ended;
  EXPECT_EQ(trap_verdict(end, "an int3").state, CapabilityState::kRefused);
  EXPECT_EQ(trap_verdict(end, "an int3").detail, "not here");
}

TEST(TrapProbe, AHungProbeEndsWithinItsLimit) {
  const ProbeChildEnd end = run_probe_child(
      [] {
        for (;;)
          pause();
        return Capability{};
      },
      200);
  EXPECT_FALSE(end.answered);
  EXPECT_EQ(end.how_ended, "hung for 200 ms");
}

// Time limits come from the measured delivery: 3.6 us here, 12.4 us on a nested hypervisor,
// 490 us under gVisor.
TEST(CaseTimeout, ScalesWithTheDeliveryCost) {
  Machine m;
  m.platform.delivery_ns = 0;  // never measured
  EXPECT_EQ(case_timeout_s(m), kDefaultCaseTimeoutS);
  m.platform.delivery_ns = 3600;
  EXPECT_EQ(case_timeout_s(m), kDefaultCaseTimeoutS);
  m.platform.delivery_ns = 20000;
  EXPECT_DOUBLE_EQ(case_timeout_s(m), 2 * kDefaultCaseTimeoutS);
  m.platform.delivery_ns = 490000;
  EXPECT_EQ(case_timeout_s(m), kMostTimeoutScale * kDefaultCaseTimeoutS);
}

}  // namespace
}  // namespace sigctx
