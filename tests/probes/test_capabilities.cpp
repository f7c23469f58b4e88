// The platform's capabilities as the fingerprint carries them: JSON both ways, files from before
// the probes, the text of `sigctx probe`, and the skip reasons cases build from them.
#include <gtest/gtest.h>

#include "probes/machine.h"

namespace sigctx {
namespace {

PlatformCapabilities sample() {
  PlatformCapabilities p;
  p.probed = true;
  p.perf_breakpoint = Capability::broken_because("accepted and counted 0 of 3 calls");
  p.ptrace_breakpoint = Capability::works_because("stopped the tracee");
  p.trap_flag = Capability::works_because("7 SIGTRAPs");
  p.int3 = Capability::works_because("reached the handler");
  p.rusage_switches = Capability::unprobed_because("never took turns");
  p.mincore = Capability::refused_because("mincore: Function not implemented");
  p.core_dumps = Capability::refused_because("core_pattern is empty");
  p.perf_events = Capability::works_because("a task-clock software event opened");
  p.delivery_ns = 12400;
  p.syscall_ns = 1000;
  p.handler_delay_ns = 0;
  p.clock = {"jiffies", 4000000, 4000000};
  p.online_cpus = 1;
  p.allowed_cpus = 1;
  return p;
}

TEST(Capabilities, RoundTripThroughJson) {
  const PlatformCapabilities p = sample();
  PlatformCapabilities back;
  std::string error;
  ASSERT_TRUE(platform_from_json(platform_to_json(p), &back, &error)) << error;
  for (const CapabilityField& f : capability_fields()) {
    EXPECT_EQ((back.*f.member).state, (p.*f.member).state) << f.name;
    EXPECT_EQ((back.*f.member).detail, (p.*f.member).detail) << f.name;
  }
  EXPECT_EQ(back.delivery_ns, 12400);
  EXPECT_EQ(back.clock.source, "jiffies");
  EXPECT_EQ(back.clock.step_ns, 4000000u);
  EXPECT_EQ(back.online_cpus, 1u);
}

TEST(Capabilities, BadJsonNamesTheMember) {
  nlohmann::json j = platform_to_json(sample());
  j["capabilities"]["mincore"]["state"] = "sometimes";
  PlatformCapabilities back;
  std::string error;
  EXPECT_FALSE(platform_from_json(j, &back, &error));
  EXPECT_EQ(error,
            "machine.platform.capabilities.mincore.state: expected unprobed, works, broken or "
            "refused");
  j = platform_to_json(sample());
  j["delivery_ns"] = -1;
  EXPECT_FALSE(platform_from_json(j, &back, &error));
  EXPECT_EQ(error, "machine.platform.delivery_ns: expected a number >= 0");
}

TEST(Capabilities, AFileFromBeforeTheProbesReadsAsUnprobed) {
  Machine m;
  m.platform = sample();
  nlohmann::json j = machine_to_json(m);
  j.erase("platform");
  j["environment"].erase("gvisor");
  j["environment"].erase("uml");
  Machine back;
  std::string error;
  ASSERT_TRUE(machine_from_json(j, &back, &error)) << error;
  EXPECT_FALSE(back.platform.probed);
  EXPECT_TRUE(back.platform.perf_breakpoint.usable());  // cases then find out for themselves
  EXPECT_FALSE(back.env.gvisor);
}

TEST(Capabilities, OnlyWorkingOrUnprobedOnesAreUsable) {
  EXPECT_TRUE(Capability::works_because("").usable());
  EXPECT_TRUE(Capability::unprobed_because("").usable());
  EXPECT_FALSE(Capability::broken_because("").usable());
  EXPECT_FALSE(Capability::refused_because("").usable());
}

TEST(Capabilities, SkipReasonsNameTheFindingAndItsCase) {
  const PlatformCapabilities p = sample();
  EXPECT_EQ(capability_skip_reason(capability_field(&PlatformCapabilities::perf_breakpoint),
                                   p.perf_breakpoint),
            "perf_event_open execute breakpoints do not work here: accepted and counted 0 of 3 "
            "calls (reported by platform/debug-registers)");
  EXPECT_EQ(capability_skip_reason(capability_field(&PlatformCapabilities::mincore), p.mincore),
            "mincore residency are not available here: mincore: Function not implemented");
}

TEST(Capabilities, ProbeTextListsEveryCapability) {
  Machine m;
  m.platform = sample();
  const std::string text = machine_to_text(m);
  EXPECT_NE(text.find("one delivery with the irritating handler 12.4 us"), std::string::npos)
      << text;
  EXPECT_NE(text.find("clock jiffies, resolution 4000000 ns"), std::string::npos) << text;
  for (const CapabilityField& f : capability_fields())
    EXPECT_NE(text.find(f.name), std::string::npos) << f.name;
  EXPECT_NE(text.find("perf_breakpoint    broken   accepted and counted 0 of 3 calls"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace sigctx
