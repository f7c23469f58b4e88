#include <gtest/gtest.h>

#include "probes/machine.h"
#include "tests/probes/fixtures.h"

namespace sigctx {
namespace {

using testing::kZen3;
using testing::load_fixture;
using testing::sample_machine;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void expect_names_every_xcr0_component(const Machine& m) {
  const std::string text = machine_to_text(m);
  ASSERT_NE(m.xcr0, 0u);
  for (unsigned i = 0; i < 64; ++i)
    if (m.xcr0_has(i)) {
      EXPECT_TRUE(contains(text, xsave_component_name(i))) << i << "\n" << text;
    }
}

TEST(MachineText, NamesEveryXcr0Component) {
  expect_names_every_xcr0_component(sample_machine());
}

TEST(MachineText, NamesEveryXcr0ComponentOfTheLiveMachine) {
  const Machine m = probe_machine();
  if (!m.features.osxsave) GTEST_SKIP() << "no XCR0 on this machine (OSXSAVE clear)";
  expect_names_every_xcr0_component(m);
}

TEST(MachineText, ReportsTheFacts) {
  const std::string text = machine_to_text(sample_machine());
  EXPECT_TRUE(contains(text, "Intel(R) Xeon(R) w9-3475X")) << text;
  EXPECT_TRUE(contains(text, "family 0x6 (6), model 0x8f (143), stepping 0x8 (8)")) << text;
  EXPECT_TRUE(contains(text, "libcpuid codename Sapphire Rapids")) << text;
  EXPECT_TRUE(contains(text,
                       "XCR0            0x602e7: x87 sse avx opmask zmm_hi256 hi16_zmm pkru "
                       "amx_tilecfg amx_tiledata"))
      << text;
  EXPECT_TRUE(contains(text, "XINUSE          0x202a3")) << text;
  // The layout table row of tiledata: offset, size, align64, supervisor, xfd, enabled.
  EXPECT_TRUE(contains(text, "18  amx_tiledata      0xb00   8192  yes      no          yes  yes"))
      << text;
  EXPECT_TRUE(contains(text, "AT_MINSIGSTKSZ  11952 bytes")) << text;
  EXPECT_TRUE(contains(text, "XCOMP_BV 0x80000000000602e7 (compacted format)")) << text;
  EXPECT_TRUE(contains(text, "glibc 2.36")) << text;
  EXPECT_TRUE(contains(text, "qemu-user yes")) << text;
  EXPECT_TRUE(contains(text, "traced by pid 4242")) << text;
  EXPECT_TRUE(contains(text, "/usr/bin/qemu-x86_64")) << text;
}

TEST(MachineText, UnmeasuredFrameAndMissingFacts) {
  Machine m = machine_from_cpuid(load_fixture(kZen3));
  m.xcr0 = 0x207;
  const std::string text = machine_to_text(m);
  EXPECT_TRUE(contains(text, "Signal frame    not measured\n")) << text;
  EXPECT_TRUE(contains(text, "XINUSE          not available")) << text;
  EXPECT_TRUE(contains(text, "AT_MINSIGSTKSZ  not provided")) << text;
  EXPECT_TRUE(contains(text, "not traced")) << text;
  EXPECT_FALSE(contains(text, "opmask")) << text;
  m.frame.error = "sigaltstack: ENOMEM";
  EXPECT_TRUE(contains(machine_to_text(m), "not measured: sigaltstack: ENOMEM"));
}

}  // namespace
}  // namespace sigctx
