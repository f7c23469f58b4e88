// XsaveLayout::from_cpuid against leaf 0xD of three real CPUs. Where a dump carries a size the
// hardware computed for the XCR0 (and IA32_XSS) the OS had enabled, that size is the reference
// for the layout arithmetic: CPUID.(0xD,0):EBX for the standard format, CPUID.(0xD,1):EBX for the
// compacted one.
#include <gtest/gtest.h>

#include "probes/xsave_layout.h"
#include "tests/probes/fixtures.h"

namespace sigctx {
namespace {

using testing::kSapphireRapids;
using testing::kSkylakeX;
using testing::kZen3;
using testing::load_fixture;

struct Expected {
  unsigned index;
  uint32_t size, offset;
  bool supervisor, align64, xfd;
};

void expect_components(const XsaveLayout& l, std::initializer_list<Expected> expected,
                       uint64_t absent) {
  for (const Expected& e : expected) {
    SCOPED_TRACE(xsave_component_name(e.index));
    ASSERT_TRUE(l.has(e.index));
    const XsaveComponentInfo& c = l.component(e.index);
    EXPECT_EQ(c.index, e.index);
    EXPECT_EQ(c.size, e.size);
    EXPECT_EQ(c.offset, e.offset);
    EXPECT_EQ(c.supervisor, e.supervisor);
    EXPECT_EQ(c.align64, e.align64);
    EXPECT_EQ(c.xfd, e.xfd);
  }
  for (unsigned i = 0; i < 64; ++i)
    if ((absent >> i) & 1) {
      EXPECT_FALSE(l.has(i)) << xsave_component_name(i);
    }
}

TEST(XsaveLayoutZen3, MasksSizesAndInstructions) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kZen3));
  EXPECT_TRUE(l.xsave);
  EXPECT_TRUE(l.osxsave);
  EXPECT_EQ(l.supported_user, 0x207u);         // x87 sse avx pkru
  EXPECT_EQ(l.supported_supervisor, 0x1800u);  // cet_u cet_s
  EXPECT_EQ(l.size_enabled, 0x340u);
  EXPECT_EQ(l.size_max, 0x988u);
  EXPECT_EQ(l.size_compacted_enabled, 0x350u);
  EXPECT_TRUE(l.xsaveopt && l.xsavec && l.xgetbv1 && l.xsaves);
  EXPECT_FALSE(l.xfd);
}

TEST(XsaveLayoutZen3, ComponentsHaveNoMpxGap) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kZen3));
  expect_components(l,
                    {{0, 160, 0, false, false, false},
                     {1, 256, 160, false, false, false},
                     {2, 256, 0x240, false, false, false},
                     {9, 8, 0x980, false, false, false},
                     {11, 0x10, 0, true, false, false},
                     {12, 0x18, 0, true, false, false}},
                    /*absent=*/0x78 | 0x1e0 | (uint64_t{3} << 17));
}

TEST(XsaveLayoutZen3, StandardAndCompactedSizesMatchTheHardware) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kZen3));
  EXPECT_EQ(l.standard_size(0x7), l.size_enabled);  // Windows' XCR0 at dump time
  EXPECT_EQ(l.standard_size(l.supported_user), l.size_max);
  EXPECT_EQ(l.standard_size(0x3), 576u);  // legacy area + header, never less
  // Windows ran with XCR0 = 0x7 and IA32_XSS = CET_U.
  EXPECT_EQ(l.compacted_size(0x7 | (1u << 11)), l.size_compacted_enabled);
  // FreeBSD on the same CPU (XCR0 = 0x207, no XSS) reported 0x348.
  EXPECT_EQ(l.compacted_offset(0x207, kXsavePkru), 0x340u);
  EXPECT_EQ(l.compacted_size(0x207), 0x348u);
}

TEST(XsaveLayoutSkylakeX, MasksSizesAndInstructions) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kSkylakeX));
  EXPECT_EQ(l.supported_user, 0x2ffu);  // with MPX bndregs/bndcsr and AVX-512
  EXPECT_EQ(l.supported_supervisor, 0x100u);
  EXPECT_EQ(l.size_enabled, 0xa80u);
  EXPECT_EQ(l.size_max, 0xa88u);
  EXPECT_EQ(l.size_compacted_enabled, 0xa80u);
  EXPECT_TRUE(l.xsaveopt && l.xsavec && l.xgetbv1 && l.xsaves);
  EXPECT_FALSE(l.xfd);
}

TEST(XsaveLayoutSkylakeX, Components) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kSkylakeX));
  expect_components(l,
                    {{2, 256, 0x240, false, false, false},
                     {3, 64, 0x3c0, false, false, false},
                     {4, 64, 0x400, false, false, false},
                     {5, 64, 0x440, false, false, false},
                     {6, 512, 0x480, false, false, false},
                     {7, 1024, 0x680, false, false, false},
                     {8, 128, 0, true, false, false},
                     {9, 8, 0xa80, false, false, false}},
                    /*absent=*/(uint64_t{3} << 17) | (1u << 11));
}

TEST(XsaveLayoutSkylakeX, StandardAndCompactedSizesMatchTheHardware) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kSkylakeX));
  EXPECT_EQ(l.standard_size(0xff), l.size_enabled);  // Windows' XCR0 at dump time
  EXPECT_EQ(l.standard_size(l.supported_user), l.size_max);
  EXPECT_EQ(l.standard_size(0x2e7), 0xa88u);  // Linux since 5.6: MPX no longer enabled
  EXPECT_EQ(l.standard_size(0x7), 0x340u);
  // Windows ran with XCR0 = 0xff and IA32_XSS = PT.
  EXPECT_EQ(l.compacted_size(0x1ff), l.size_compacted_enabled);
  // XCR0 = 0x2e7 compacted: no MPX hole, every component directly after the previous one.
  EXPECT_EQ(l.compacted_offset(0x2e7, kXsaveAvx), 576u);
  EXPECT_EQ(l.compacted_offset(0x2e7, kXsaveOpmask), 832u);
  EXPECT_EQ(l.compacted_offset(0x2e7, kXsaveZmmHi256), 896u);
  EXPECT_EQ(l.compacted_offset(0x2e7, kXsaveHi16Zmm), 1408u);
  EXPECT_EQ(l.compacted_offset(0x2e7, kXsavePkru), 2432u);
  EXPECT_EQ(l.compacted_size(0x2e7), 2440u);
}

TEST(XsaveLayoutSapphireRapids, MasksSizesAndInstructions) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kSapphireRapids));
  EXPECT_EQ(l.supported_user, 0x602e7u);  // AVX-512, PKRU, AMX; no MPX
  EXPECT_EQ(l.supported_supervisor, 0xdd00u);
  EXPECT_EQ(l.size_enabled, 0x2b00u);
  EXPECT_EQ(l.size_max, 0x2b00u);
  EXPECT_EQ(l.size_compacted_enabled, 0x2a80u);
  EXPECT_TRUE(l.xsaveopt && l.xsavec && l.xgetbv1 && l.xsaves && l.xfd);
}

TEST(XsaveLayoutSapphireRapids, ComponentsIncludingAmxAndSupervisorState) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kSapphireRapids));
  expect_components(l,
                    {{2, 256, 0x240, false, false, false},
                     {5, 64, 0x440, false, false, false},
                     {6, 512, 0x480, false, false, false},
                     {7, 1024, 0x680, false, false, false},
                     {8, 128, 0, true, false, false},
                     {9, 8, 0xa80, false, false, false},
                     {10, 8, 0, true, false, false},
                     {11, 16, 0, true, false, false},
                     {12, 24, 0, true, false, false},
                     {14, 0x30, 0, true, false, false},
                     {15, 0x328, 0, true, false, false},
                     {17, 64, 0xac0, false, true, false},
                     {18, 8192, 0xb00, false, true, true}},
                    /*absent=*/(1u << 3) | (1u << 4) | (1u << 13) | (1u << 16) | (1u << 19));
}

TEST(XsaveLayoutSapphireRapids, StandardAndCompactedSizesMatchTheHardware) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kSapphireRapids));
  EXPECT_EQ(l.standard_size(0x602e7), l.size_enabled);
  EXPECT_EQ(l.standard_size(0x2e7), 0xa88u);  // AMX not permitted: the 4K-era frame
  // Windows ran with XCR0 = 0x602e7 and IA32_XSS = PT.
  EXPECT_EQ(l.compacted_size(0x602e7 | (1u << 8)), l.size_compacted_enabled);
  // Supervisor components are ignored by the standard format.
  EXPECT_EQ(l.standard_size(0x602e7 | 0xdd00), l.size_enabled);
}

TEST(XsaveLayoutSapphireRapids, CompactedAmxIs64ByteAligned) {
  const XsaveLayout l = XsaveLayout::from_cpuid(load_fixture(kSapphireRapids));
  // pkru ends at 2440: tilecfg is pulled up to 2496, tiledata follows at 2560.
  EXPECT_EQ(l.compacted_offset(0x602e7, kXsaveTilecfg), 0x9c0u);
  EXPECT_EQ(l.compacted_offset(0x602e7, kXsaveTiledata), 0xa00u);
  EXPECT_EQ(l.compacted_size(0x602e7), 0x2a00u);
  // Without tilecfg, tiledata itself must move from 840 up to 896.
  EXPECT_EQ(l.compacted_offset(0x40207, kXsaveTiledata), 0x380u);
  for (uint64_t mask : {0x602e7ull, 0x603e7ull, 0x60207ull, 0x40207ull, 0x40003ull, 0x6dfe7ull})
    EXPECT_EQ(l.compacted_offset(mask, kXsaveTiledata) % 64, 0u) << std::hex << mask;
}

TEST(XsaveLayoutVendors, OpmaskAndPkruOffsetsDiffer) {
  const XsaveLayout zen3 = XsaveLayout::from_cpuid(load_fixture(kZen3));
  const XsaveLayout skx = XsaveLayout::from_cpuid(load_fixture(kSkylakeX));
  const XsaveLayout spr = XsaveLayout::from_cpuid(load_fixture(kSapphireRapids));
  EXPECT_FALSE(zen3.has(kXsaveOpmask));
  EXPECT_EQ(skx.component(kXsaveOpmask).offset, 0x440u);
  EXPECT_EQ(spr.component(kXsaveOpmask).offset, 0x440u);
  // Intel keeps the MPX hole before PKRU even on parts without MPX; AMD does not.
  EXPECT_EQ(zen3.component(kXsavePkru).offset, 0x980u);
  EXPECT_EQ(skx.component(kXsavePkru).offset, 0xa80u);
  EXPECT_EQ(spr.component(kXsavePkru).offset, 0xa80u);
}

TEST(XsaveLayout, NoXsaveMeansNoComponents) {
  FixtureCpuid f = load_fixture(kZen3);
  CpuidRegs l1 = f.query(1, 0);
  l1.ecx &= ~((1u << 26) | (1u << 27));
  f.set(1, 0, l1);
  const XsaveLayout l = XsaveLayout::from_cpuid(f);
  EXPECT_FALSE(l.xsave);
  EXPECT_EQ(l.supported_user, 0u);
  for (unsigned i = 0; i < 64; ++i)
    EXPECT_FALSE(l.has(i)) << i;
}

TEST(XsaveComponentNames, KnownAndUnknown) {
  EXPECT_EQ(xsave_component_name(kXsaveOpmask), "opmask");
  EXPECT_EQ(xsave_component_name(kXsaveTiledata), "amx_tiledata");
  EXPECT_EQ(xsave_component_name(kXsaveApx), "apx");
  EXPECT_EQ(xsave_component_name(23), "xsave:23");
  EXPECT_EQ(xsave_mask_names(0x207), "x87 sse avx pkru");
  EXPECT_EQ(xsave_mask_names(0), "none");
}

}  // namespace
}  // namespace sigctx
