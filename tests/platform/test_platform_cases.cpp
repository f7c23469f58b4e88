// platform/<capability>: a platform's limit is one case that fails naming the capability and what
// its probe tried; a capability the platform refuses (a setting, not a deviation) is a skip.
#include <gtest/gtest.h>

#include "runners/case_registry.h"
#include "tests/platform/faked.h"

namespace sigctx {
namespace {

using P = PlatformCapabilities;

struct PlatformCase {
  const char* id;
  Capability P::*member;
};

const PlatformCase kCases[] = {
    {"platform/debug-registers", &P::perf_breakpoint},
    {"platform/debug-registers", &P::ptrace_breakpoint},
    {"platform/ptrace-singlestep", &P::ptrace_singlestep},
    {"platform/trap-delivery", &P::trap_flag},
    {"platform/trap-delivery", &P::int3},
    {"platform/rusage-switches", &P::rusage_switches},
    {"platform/mincore", &P::mincore},
};

TEST(PlatformCases, ABrokenCapabilityFailsItsCaseNamingIt) {
  for (const PlatformCase& pc : kCases) {
    const CapabilityField& f = capability_field(pc.member);
    Machine m = test::with_capability(pc.member, Capability::broken_because("the probe's words"));
    // The case's other capability works, so only the faked one can fail it.
    for (const PlatformCase& other : kCases)
      if (other.member != pc.member && std::string(other.id) == pc.id)
        m.platform.*other.member = Capability::works_because("fine");
    const CaseResult r = test::run_case_on(m, pc.id, "");
    EXPECT_EQ(r.status, Status::kFail) << pc.id << " " << f.name << ": " << r.reason;
    ASSERT_EQ(r.findings.size(), 1u) << pc.id << " " << f.name;
    EXPECT_EQ(r.findings[0].check, std::string("platform.") + f.name);
    EXPECT_NE(r.findings[0].message.find("the probe's words"), std::string::npos)
        << r.findings[0].message;
    EXPECT_EQ(r.facts.at(f.name).at("state"), "broken");
  }
}

TEST(PlatformCases, RefusedEverywhereIsASkipAndWorkingIsAPass) {
  for (const PlatformCase& pc : kCases) {
    Machine refused = test::live_machine();
    Machine working = test::live_machine();
    refused.platform.probed = working.platform.probed = true;
    for (const PlatformCase& same : kCases)
      if (std::string(same.id) == pc.id) {
        refused.platform.*same.member = Capability::refused_because("perf_event_paranoid 3");
        working.platform.*same.member = Capability::works_because("fired");
      }
    const CaseResult skip = test::run_case_on(refused, pc.id, "");
    EXPECT_EQ(skip.status, Status::kSkip) << pc.id;
    EXPECT_NE(skip.reason.find("perf_event_paranoid 3"), std::string::npos) << skip.reason;
    EXPECT_EQ(test::run_case_on(working, pc.id, "").status, Status::kPass) << pc.id;
  }
}

// On this machine the cases say what the probes found: no case errors, and a failing one names
// a capability the probe found broken.
TEST(PlatformCases, OnThisMachineTheyAgreeWithTheProbes) {
  for (const CaseDescriptor& c : all_cases()) {
    if (c.id.rfind("platform/", 0) != 0) continue;
    const CaseResult r = test::run_case(c.id, "");
    EXPECT_NE(r.status, Status::kError) << c.id << ": " << r.reason;
    for (const Finding& f : r.findings) {
      const std::string name = f.check.substr(std::string("platform.").size());
      bool broken = false;
      for (const CapabilityField& field : capability_fields())
        if (name == field.name) broken = (test::live_machine().platform.*field.member).broken();
      EXPECT_TRUE(broken) << c.id << " reports " << f.check << " that the probe found not broken";
    }
  }
}

}  // namespace
}  // namespace sigctx
