// Which kernel implements the Linux ABI under us: gVisor's Sentry and user-mode Linux run on the
// host CPU and answer CPUID as it does, so they are told by what they say of themselves. The
// evidence below is what each printed when sigctx ran in it (Debian 12's runsc 20221219 and
// linux.uml 6.1, measured 2026-12-06).
#include <gtest/gtest.h>

#include "probes/machine.h"
#include "probes/probe_parts.h"

namespace sigctx {
namespace {

TEST(SandboxDecision, GvisorByItsFixedVersionOrItsLog) {
  EXPECT_TRUE(looks_like_gvisor("#1 SMP Sun Jan 10 15:06:54 PST 2016", ""));
  EXPECT_TRUE(
      looks_like_gvisor("", "[    0.000000] Starting gVisor...\n[    0.2] Gathering forks"));
  EXPECT_FALSE(looks_like_gvisor("#1 SMP PREEMPT_DYNAMIC Debian 6.1.129-1 (2025-03-06)",
                                 "[    0.000000] Linux version 6.1.0-32-amd64"));
  EXPECT_FALSE(looks_like_gvisor("", ""));
}

TEST(SandboxDecision, UserModeLinuxByItsCpuinfo) {
  EXPECT_TRUE(
      looks_like_uml("processor\t: 0\nvendor_id\t: User Mode Linux\nmodel name\t: UML\n"
                     "mode\t\t: skas\n"));
  EXPECT_FALSE(looks_like_uml("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"));
  // The host line that UML adds names the host kernel, not UML: only vendor_id counts.
  EXPECT_FALSE(
      looks_like_uml("processor\t: 0\nvendor_id\t: GenuineIntel\nhost\t\t: Linux vm "
                     "6.18 User Mode Linux\n"));
  EXPECT_FALSE(looks_like_uml(""));
}

TEST(SandboxDecision, HypervisorsByName) {
  EXPECT_EQ(hypervisor_name("KVMKVMKVM"), "KVM");
  EXPECT_EQ(hypervisor_name("bhyve bhyve "), "bhyve");
  EXPECT_EQ(hypervisor_name("Microsoft Hv"), "Hyper-V");
  EXPECT_EQ(hypervisor_name("TCGTCGTCGTCG"), "QEMU TCG");
  EXPECT_EQ(hypervisor_name(""), "");
  EXPECT_EQ(hypervisor_name("NewVisorNV  "), "unknown (\"NewVisorNV  \")");
}

// A nested hypervisor shows one signature to CPUID and another to the guest kernel (issue 21's
// machine: CPUID said bhyve, the kernel said PVM): the kernel's own line is read too.
TEST(SandboxDecision, TheKernelsHypervisorFromItsLog) {
  EXPECT_EQ(kernel_hypervisor("[    0.000000] DMI not present\n[    0.000000] Hypervisor detected: "
                              "PVM\n[    0.000001] tsc: Fast TSC calibration"),
            "PVM");
  EXPECT_EQ(kernel_hypervisor("[    0.000000] Linux version 6.1\n"), "");
}

TEST(SandboxDecision, OneWordForTheEnvironment) {
  EnvironmentInfo e;
  EXPECT_EQ(e.kind(), "native");
  e.uml = true;
  EXPECT_EQ(e.kind(), "uml");
  e.uml = false;
  e.gvisor = true;
  EXPECT_EQ(e.kind(), "gvisor");
  e.valgrind = true;  // an emulator inside a sandbox is named for the emulator, nearest to us
  EXPECT_EQ(e.kind(), "valgrind");
}

}  // namespace
}  // namespace sigctx
