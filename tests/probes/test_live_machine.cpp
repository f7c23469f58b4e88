#include <gtest/gtest.h>

#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "probes/machine.h"

namespace sigctx {
namespace {

class LiveMachine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { machine_ = new Machine(probe_machine()); }
  static void TearDownTestSuite() { delete machine_; }
  static const Machine& m() { return *machine_; }
  static Machine* machine_;
};
Machine* LiveMachine::machine_ = nullptr;

TEST_F(LiveMachine, Identity) {
  EXPECT_FALSE(m().identity.vendor.empty());
  EXPECT_EQ(m().identity.vendor.size(), 12u);
  EXPECT_GE(m().identity.family, 6);  // every x86-64 CPU
  EXPECT_TRUE(m().features.sse2 && m().features.fxsr);
}

TEST_F(LiveMachine, Xcr0HasX87AndSse) {
  if (!m().features.osxsave) GTEST_SKIP() << "OSXSAVE clear: no XCR0 to read";
  EXPECT_TRUE(m().xcr0_has(kXsaveX87));
  EXPECT_TRUE(m().xcr0_has(kXsaveSse));
  // Nothing the CPU cannot do.
  EXPECT_EQ(m().xcr0 & ~m().xsave.supported_user, 0u);
}

TEST_F(LiveMachine, XsaveSizesAgreeWithTheLayout) {
  if (!m().features.osxsave) GTEST_SKIP() << "OSXSAVE clear";
  // CPUID.(0xD,0):EBX is the CPU's own size for the XCR0 in force: the layout must reproduce it.
  EXPECT_EQ(m().xsave.standard_size(m().xcr0), m().xsave.size_enabled);
  EXPECT_EQ(m().xsave.standard_size(m().xsave.supported_user), m().xsave.size_max);
}

TEST_F(LiveMachine, XinuseWhenSupported) {
  EXPECT_EQ(m().xinuse.has_value(), m().features.osxsave && m().xsave.xgetbv1);
  if (m().xinuse) {
    EXPECT_EQ(*m().xinuse & ~m().xcr0, 0u);
  }
}

TEST_F(LiveMachine, MxcsrMask) {
  EXPECT_NE(m().mxcsr_mask, 0u);
  // DAZ and the exception flags/masks are always writable.
  EXPECT_EQ(m().mxcsr_mask & 0xffbf, 0xffbfu);
}

TEST_F(LiveMachine, OsAndLibc) {
  EXPECT_EQ(m().os.sysname, "Linux");
  EXPECT_EQ(m().os.machine, "x86_64");
#ifdef __GLIBC__
  EXPECT_EQ(m().os.libc_name, "glibc");
  EXPECT_EQ(m().os.libc_version, gnu_get_libc_version());
#else
  EXPECT_EQ(m().os.libc_name, "musl");
#endif
}

TEST_F(LiveMachine, FingerprintLeavesStartWithLeafZero) {
  ASSERT_FALSE(m().cpuid_leaves.empty());
  EXPECT_EQ(m().cpuid_leaves[0].leaf, 0u);
  EXPECT_EQ(m().cpuid_leaves[0].regs, LiveCpuid().query(0, 0));
}

TEST_F(LiveMachine, FrameIsLeftUnmeasured) {
  EXPECT_FALSE(m().frame.measured);
  EXPECT_FALSE(m().summary_line().empty());
}

}  // namespace
}  // namespace sigctx
