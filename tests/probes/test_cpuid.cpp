#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "probes/cpuid.h"
#include "tests/probes/fixtures.h"

namespace sigctx {
namespace {

using testing::kSapphireRapids;
using testing::kSkylakeX;
using testing::kZen3;
using testing::load_fixture;

std::string parse_error(const std::string& text) {
  std::string error;
  auto f = FixtureCpuid::parse(text, &error);
  EXPECT_FALSE(f.has_value()) << "parsed: " << text;
  return error;
}

TEST(FixtureCpuidParse, ReadsLeavesCommentsAndPrefixes) {
  std::string error;
  auto f = FixtureCpuid::parse(
      "# a comment line\n"
      "\n"
      "0 0: 0000000d 756e6547 6c65746e 49656e69   # trailing comment\n"
      "0xd 0x1: 0x1f 2a00 1800 0\r\n"
      "  7 0 : 2 f1bf27eb 1b415fde bfd14410\n",
      &error);
  ASSERT_TRUE(f.has_value()) << error;
  EXPECT_EQ(f->query(0, 0), (CpuidRegs{0xd, 0x756e6547, 0x6c65746e, 0x49656e69}));
  EXPECT_EQ(f->query(0xd, 1), (CpuidRegs{0x1f, 0x2a00, 0x1800, 0}));
  EXPECT_EQ(f->query(7, 0), (CpuidRegs{2, 0xf1bf27eb, 0x1b415fde, 0xbfd14410}));
  // Leaves the fixture does not list read as zero, as a CPU answers for what it lacks.
  EXPECT_EQ(f->query(0xd, 5), CpuidRegs{});
  EXPECT_EQ(f->query(0x80000000, 0), CpuidRegs{});
}

TEST(FixtureCpuidParse, ErrorsNameTheLine) {
  EXPECT_EQ(parse_error("0 0: 1 2 3 4\n# fine\nzz 0: 1 2 3 4\n"),
            "line 3: leaf: 'zz' is not a 32-bit hex number");
  EXPECT_EQ(parse_error("1 0 1 2 3 4\n"),
            "line 1: expected 'leaf subleaf: eax ebx ecx edx' in hex, got '1 0 1 2 3 4'");
  EXPECT_EQ(parse_error("\n1 0: 1 2 3\n"), "line 2: missing edx after ':'");
  EXPECT_EQ(parse_error("1: 1 2 3 4\n"), "line 1: expected 'leaf subleaf' before ':', got '1'");
  EXPECT_EQ(parse_error("1 0: 1 2 3 4 5\n"), "line 1: unexpected '5' after edx");
  EXPECT_EQ(parse_error("1 0: 1 2 -1 4\n"), "line 1: ecx: '-1' is not a 32-bit hex number");
  EXPECT_EQ(parse_error("1 0: 1 123456789 3 4\n"),
            "line 1: ebx: '123456789' is not a 32-bit hex number");
}

TEST(FixtureCpuidLoad, MissingFileNamesThePath) {
  std::string error;
  EXPECT_FALSE(FixtureCpuid::load("/nonexistent/sigctx.cpuid", &error).has_value());
  EXPECT_EQ(error, "/nonexistent/sigctx.cpuid: cannot read");
}

TEST(FixtureCpuidLoad, FixturesParseAndIdentifyTheirVendor) {
  EXPECT_EQ(load_fixture(kZen3).query(0, 0).ebx, 0x68747541u);            // "Auth"
  EXPECT_EQ(load_fixture(kSkylakeX).query(0, 0).ebx, 0x756e6547u);        // "Genu"
  EXPECT_EQ(load_fixture(kSapphireRapids).query(0, 0).ebx, 0x756e6547u);  // "Genu"
  // Every fixture comes from an OS that enabled XSAVE: OSXSAVE must be set for XCR0 to mean
  // anything.
  for (const char* name : {kZen3, kSkylakeX, kSapphireRapids})
    EXPECT_TRUE((load_fixture(name).query(1, 0).ecx >> 27) & 1) << name;
}

bool has_leaf(const std::vector<CpuidLeaf>& leaves, uint32_t leaf, uint32_t subleaf) {
  return std::any_of(leaves.begin(), leaves.end(),
                     [&](const CpuidLeaf& l) { return l.leaf == leaf && l.subleaf == subleaf; });
}

TEST(FingerprintLeaves, SapphireRapidsRecordsXsaveAndAmxLeaves) {
  const FixtureCpuid spr = load_fixture(kSapphireRapids);
  const auto leaves = collect_fingerprint_leaves(spr);
  for (auto [leaf, sub] : {std::pair{0u, 0u},
                           {1u, 0u},
                           {7u, 0u},
                           {7u, 1u},
                           {0xdu, 0u},
                           {0xdu, 1u},
                           {0xdu, 2u},
                           {0xdu, 9u},
                           {0xdu, 0x11u},
                           {0xdu, 0x12u},
                           {0x19u, 0u},
                           {0x1du, 0u},
                           {0x1du, 1u},
                           {0x1eu, 0u}})
    EXPECT_TRUE(has_leaf(leaves, leaf, sub)) << std::hex << leaf << "." << sub;
  // Components the CPU lacks answer all-zero and are left out; so is the hypervisor leaf of a
  // CPU that reports no hypervisor.
  EXPECT_FALSE(has_leaf(leaves, 0xd, 3));
  EXPECT_FALSE(has_leaf(leaves, 0xd, 0x13));
  EXPECT_FALSE(has_leaf(leaves, 0x40000000, 0));
  for (const auto& l : leaves)
    EXPECT_EQ(l.regs, spr.query(l.leaf, l.subleaf));
}

TEST(FingerprintLeaves, LeavesBeyondTheMaximumAreNotRecorded) {
  // Skylake-SP's maximum basic leaf is 0x16: no Key Locker, AMX or TMUL leaves to ask.
  const auto skx = collect_fingerprint_leaves(load_fixture(kSkylakeX));
  for (unsigned sub = 0; sub <= 9; ++sub)
    EXPECT_TRUE(has_leaf(skx, 0xd, sub)) << sub;
  EXPECT_FALSE(has_leaf(skx, 0x19, 0));
  EXPECT_FALSE(has_leaf(skx, 0x1d, 0));
  EXPECT_FALSE(has_leaf(skx, 0x1e, 0));

  // The boundary itself: a maximum of exactly 0x19 records 0x19 and nothing above it.
  FixtureCpuid f = load_fixture(kSapphireRapids);
  f.set(0, 0, {0x19, 0x756e6547, 0x6c65746e, 0x49656e69});
  const auto at19 = collect_fingerprint_leaves(f);
  EXPECT_TRUE(has_leaf(at19, 0x19, 0));
  EXPECT_FALSE(has_leaf(at19, 0x1d, 0));
  EXPECT_FALSE(has_leaf(at19, 0x1d, 1));
  EXPECT_FALSE(has_leaf(at19, 0x1e, 0));

  // Below 0xD there is no XSAVE leaf to record at all.
  f.set(0, 0, {0xc, 0x756e6547, 0x6c65746e, 0x49656e69});
  const auto below = collect_fingerprint_leaves(f);
  EXPECT_TRUE(has_leaf(below, 7, 0));
  EXPECT_FALSE(has_leaf(below, 0xd, 0));
}

TEST(FingerprintLeaves, HypervisorLeafOnlyWithTheHypervisorBit) {
  FixtureCpuid f = load_fixture(kZen3);
  EXPECT_FALSE(has_leaf(collect_fingerprint_leaves(f), 0x40000000, 0));
  CpuidRegs l1 = f.query(1, 0);
  l1.ecx |= 1u << 31;
  f.set(1, 0, l1);
  f.set(0x40000000, 0, {0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d});
  EXPECT_TRUE(has_leaf(collect_fingerprint_leaves(f), 0x40000000, 0));
}

TEST(LiveCpuid, VendorLeafAnswers) {
  EXPECT_NE(LiveCpuid().query(0, 0).eax, 0u);
}

}  // namespace
}  // namespace sigctx
