// Environment detection. The decision logic is tested with made-up evidence; the live tests check
// this run. Set SIGCTX_EXPECT_EMULATOR to "none", "qemu-user" or "valgrind" to make the live tests
// assert that exact environment, e.g.
//   SIGCTX_EXPECT_EMULATOR=qemu-user qemu-x86_64 -cpu Haswell ./test_probes
//   SIGCTX_EXPECT_EMULATOR=valgrind valgrind ./test_probes --gtest_filter='LiveEnvironment.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "probes/machine.h"
#include "probes/probe_parts.h"

namespace sigctx {
namespace {

const ExecutableViews kNative{"/usr/bin/sigctx", "/usr/bin/sigctx"};
const ExecutableViews kUnderQemu{"/usr/bin/sigctx", "/usr/bin/qemu-x86_64"};
const ExecutableViews kUnderRenamedQemu{"/usr/bin/sigctx", "/opt/emu/x86emu"};
const ExecutableViews kUnderValgrind{"/usr/bin/sigctx",
                                     "/usr/libexec/valgrind/memcheck-amd64-linux"};
const ExecutableViews kNoProc{"", ""};

TEST(QemuUserDecision, NeedsAnEmulatorBetweenUsAndTheKernel) {
  EXPECT_FALSE(looks_like_qemu_user(kNative, "KVMKVMKVM", false));
  // TCG without disagreement is qemu-system full emulation: a hypervisor, not qemu-user.
  EXPECT_FALSE(looks_like_qemu_user(kNative, "TCGTCGTCGTCG", false));
  // Without /proc (an initramfs before mounting it) there is no evidence either way.
  EXPECT_FALSE(looks_like_qemu_user(kNoProc, "TCGTCGTCGTCG", false));
}

TEST(QemuUserDecision, QemuByTcgSignatureOrByName) {
  EXPECT_TRUE(looks_like_qemu_user(kUnderQemu, "TCGTCGTCGTCG", false));
  EXPECT_TRUE(looks_like_qemu_user(kUnderQemu, "", false));
  EXPECT_TRUE(looks_like_qemu_user(kUnderRenamedQemu, "TCGTCGTCGTCG", false));
  EXPECT_FALSE(looks_like_qemu_user(kUnderRenamedQemu, "", false));
}

TEST(QemuUserDecision, ValgrindIsNotQemu) {
  EXPECT_FALSE(looks_like_qemu_user(kUnderValgrind, "", true));
  EXPECT_FALSE(looks_like_qemu_user(kUnderValgrind, "", false));
}

TEST(ExecutableViews, Disagreement) {
  EXPECT_FALSE(kNative.disagree());
  EXPECT_TRUE(kUnderQemu.disagree());
  EXPECT_FALSE(kNoProc.disagree());
  EXPECT_FALSE((ExecutableViews{"/usr/bin/sigctx", ""}.disagree()));
}

std::string expected_emulator() {
  const char* e = std::getenv("SIGCTX_EXPECT_EMULATOR");
  return e ? e : "";
}

TEST(LiveEnvironment, BothViewsNameThisTestBinaryNatively) {
  const ExecutableViews v = probe_executable_views();
  ASSERT_FALSE(v.reported.empty());
  ASSERT_FALSE(v.kernel.empty());
  // Whatever runs us, the rewritten view is this program.
  EXPECT_TRUE(v.reported.ends_with("/test_probes")) << v.reported;
  if (expected_emulator() == "none") {
    EXPECT_EQ(v.kernel, v.reported);
  }
  if (expected_emulator() == "qemu-user" || expected_emulator() == "valgrind") {
    EXPECT_NE(v.kernel, v.reported);
  }
}

TEST(LiveEnvironment, NativeRunIsNotEmulated) {
  const ExecutableViews v = probe_executable_views();
  const std::string expected = expected_emulator();
  if (expected.empty() && v.disagree())
    GTEST_SKIP() << "an emulator runs this test (" << v.kernel
                 << "); set SIGCTX_EXPECT_EMULATOR to check it";
  if (!expected.empty() && expected != "none") GTEST_SKIP() << "expecting " << expected;
  const EnvironmentInfo e = probe_environment(LiveCpuid());
  EXPECT_FALSE(e.valgrind);
  EXPECT_FALSE(e.qemu_user);
  EXPECT_EQ(e.emulator_path, "");
  EXPECT_EQ(sigctx_running_on_valgrind(), 0u);
}

TEST(LiveEnvironment, EmulatorIsIdentified) {
  const std::string expected = expected_emulator();
  if (expected != "qemu-user" && expected != "valgrind")
    GTEST_SKIP() << "set SIGCTX_EXPECT_EMULATOR=qemu-user or valgrind and run under it";
  const EnvironmentInfo e = probe_environment(LiveCpuid());
  EXPECT_EQ(e.qemu_user, expected == "qemu-user");
  EXPECT_EQ(e.valgrind, expected == "valgrind");
  EXPECT_FALSE(e.emulator_path.empty());
}

TEST(LiveEnvironment, TracerPidMatchesPtraced) {
  const EnvironmentInfo e = probe_environment(LiveCpuid());
  EXPECT_EQ(e.ptraced, e.tracer_pid != 0);
  EXPECT_GE(e.tracer_pid, 0);
}

TEST(LiveEnvironment, HypervisorVendorOnlyWithTheHypervisorBit) {
  const EnvironmentInfo e = probe_environment(LiveCpuid());
  EXPECT_EQ(e.hypervisor, static_cast<bool>((LiveCpuid().query(1, 0).ecx >> 31) & 1));
  if (!e.hypervisor) {
    EXPECT_EQ(e.hypervisor_vendor, "");
  }
}

}  // namespace
}  // namespace sigctx
