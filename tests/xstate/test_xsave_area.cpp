// XsaveArea: components land at the offsets CPUID gives for each vendor, a clear XSTATE_BV bit
// reads as the init state, and a bare FXSAVE image has no extended components.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "tests/support/machines.h"
#include "xstate/component_registry.h"
#include "xstate/xsave_area.h"

namespace sigctx {
namespace {

struct Buffer {
  alignas(64) uint8_t bytes[16384] = {};
};

const PatternSource kSource{0x5ac, kRoleMain, 1};

TEST(XsaveArea, WriteThenReadRoundTripsEveryXsaveComponentAtCpuidOffsets) {
  for (const Machine& m : {test::skylake_x(), test::zen3(), test::sapphire_rapids()}) {
    auto buf = std::make_unique<Buffer>();
    XsaveArea area(buf->bytes, m.xsave.size_enabled, true);
    auto in = std::make_unique<CpuImage>();
    auto out = std::make_unique<CpuImage>();
    in->clear();
    out->clear();
    const ComponentMask avail = available_components(m);
    for (const ComponentDescriptor* c : all_components()) {
      if (!(avail & component_bit(c->id)) || c->xsave_index < 0) continue;
      c->fill(*in, m, kSource, Shape::kLanes);
      ASSERT_TRUE(area.write(*c, m, *in)) << c->name;
      EXPECT_TRUE((area.xstate_bv() >> c->xsave_index) & 1) << c->name;
      std::string why;
      ASSERT_TRUE(area.read(*c, m, *out, &why)) << c->name << ": " << why;
      if (c->xsave_index >= 2) {
        // The first field's bytes sit at the component's CPUID offset plus its slot offset.
        const Field& f = fields_of(*c, m).front();
        const size_t at = m.xsave.component(c->xsave_index).offset + f.xsave_offset;
        EXPECT_EQ(std::memcmp(buf->bytes + at, in->bytes() + f.offset, f.size), 0) << c->name;
      }
    }
    for (const ComponentDescriptor* c : all_components()) {
      if (!(avail & component_bit(c->id)) || c->xsave_index < 0) continue;
      for (const Field& f : fields_of(*c, m))
        EXPECT_EQ(std::memcmp(in->bytes() + f.offset, out->bytes() + f.offset, f.size), 0)
            << c->name << " " << f.name;
    }
  }
}

TEST(XsaveArea, ClearXstateBvBitReadsAsInitState) {
  const Machine m = test::skylake_x();
  auto buf = std::make_unique<Buffer>();
  XsaveArea area(buf->bytes, m.xsave.size_enabled, true);
  auto img = std::make_unique<CpuImage>();
  img->clear();
  const ComponentDescriptor& avx = component(ComponentId::kAvx);
  avx.fill(*img, m, kSource, Shape::kLanes);
  ASSERT_TRUE(area.write(avx, m, *img));
  area.set_xstate_bv(area.xstate_bv() & ~(1ull << avx.xsave_index));
  auto out = std::make_unique<CpuImage>();
  std::memset(static_cast<void*>(out.get()), 0xee, sizeof(CpuImage));
  ASSERT_TRUE(area.read(avx, m, *out, nullptr));
  for (const Field& f : fields_of(avx, m))
    for (unsigned i = 0; i < f.size; ++i)
      ASSERT_EQ(out->bytes()[f.offset + i], 0) << f.name;
  // The bytes are still there: only XSTATE_BV says they are not state.
  const size_t at = m.xsave.component(avx.xsave_index).offset;
  EXPECT_NE(buf->bytes[at], 0);
}

TEST(XsaveArea, FxsaveImageHoldsLegacyComponentsOnly) {
  const Machine m = test::skylake_x();
  auto buf = std::make_unique<Buffer>();
  XsaveArea area(buf->bytes, 512, false);
  auto img = std::make_unique<CpuImage>();
  img->clear();
  component(ComponentId::kSse).fill(*img, m, kSource, Shape::kLanes);
  EXPECT_TRUE(area.write(component(ComponentId::kSse), m, *img));
  EXPECT_EQ(area.xstate_bv(), 0u);
  std::string why;
  EXPECT_FALSE(area.read(component(ComponentId::kAvx), m, *img, &why));
  EXPECT_NE(why.find("FXSAVE"), std::string::npos) << why;
  EXPECT_FALSE(area.read(component(ComponentId::kGpr), m, *img, &why));
  EXPECT_NE(why.find("not XSAVE state"), std::string::npos) << why;
}

}  // namespace
}  // namespace sigctx
