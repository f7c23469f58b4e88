// The signal-frame reader/editor over synthetic frames laid out for other CPUs (fixtures), and
// over a real frame captured here.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/frame.h"
#include "engine/handler.h"
#include "tests/support/machines.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {
namespace {

// A standard-format XSAVE frame of machine m, as Linux would write it: with AMX tile data only
// for a process that has used tiles (its fpstate grew on the first use).
std::unique_ptr<FrameSnapshot> synthetic_frame(const Machine& m, bool tiles_used = false) {
  auto s = std::make_unique<FrameSnapshot>();
  const uint64_t xfeatures = tiles_used ? m.xcr0 : m.xcr0 & ~(1ull << 18);
  const uint32_t size = m.xsave.standard_size(xfeatures);
  std::memset(s->fpstate, 0, sizeof(s->fpstate));
  auto put32 = [&](size_t at, uint32_t v) { std::memcpy(s->fpstate + at, &v, 4); };
  put32(kSwReservedOffset, kFpXstateMagic1);
  put32(kSwReservedOffset + 4, size + 4);
  std::memcpy(s->fpstate + kSwReservedOffset + 8, &xfeatures, 8);
  put32(kSwReservedOffset + 16, size);
  put32(size, kFpXstateMagic2);
  s->captured = true;
  s->fpstate_address = 0x7ffc0000;
  s->fpstate_len = size + 4;
  return s;
}

ComponentMask in_frame(const Machine& m) {
  ComponentMask mask = 0;
  for (const ComponentDescriptor* c : all_components())
    if (c->in_signal_frame && c->availability(m).ok) mask |= component_bit(c->id);
  return mask;
}

class FrameLayouts : public ::testing::TestWithParam<const char*> {
 protected:
  Machine machine() {
    const std::string name = GetParam();
    if (name == "zen3") return test::zen3();
    if (name == "skylake_x") return test::skylake_x();
    return test::sapphire_rapids();
  }
};

TEST_P(FrameLayouts, WriteThenReadEveryComponent) {
  const Machine m = machine();
  auto snap = synthetic_frame(m, true);
  SignalFrame frame = SignalFrame::of(*snap);
  ASSERT_TRUE(frame.has_xstate());
  auto written = std::make_unique<CpuImage>(), read = std::make_unique<CpuImage>();
  written->clear();
  read->clear();
  const ComponentMask mask = in_frame(m);
  for (const ComponentDescriptor* c : all_components())
    if (mask & component_bit(c->id)) {
      c->fill(*written, m, {7, kRoleEdit, 2}, Shape::kLanes);
      ASSERT_TRUE(frame.write(*c, m, *written)) << c->name;
    }
  for (const ComponentDescriptor* c : all_components())
    if (mask & component_bit(c->id)) {
      std::string why;
      ASSERT_TRUE(frame.read(*c, m, *read, &why)) << c->name << ": " << why;
    }
  read->gpr[kRsp] = written->gpr[kRsp];
  ClassifyContext ctx;
  ctx.machine = &m;
  DiffOptions o;
  o.checked = mask;
  const auto diffs = diff_images(*written, *read, m, o, ctx);
  for (const auto& d : diffs)
    ADD_FAILURE() << describe_diff(d);
  // Writing sets the XSTATE_BV bit of every XSAVE component written.
  for (const ComponentDescriptor* c : all_components()) {
    if ((mask & component_bit(c->id)) && c->xsave_index >= 0) {
      EXPECT_TRUE((frame.xstate_bv() >> c->xsave_index) & 1) << c->name;
    }
  }
}

// A process that never touched its tiles gets the smaller frame: no tile data to read or edit,
// while TILECFG (not a dynamic feature) is there.
TEST(FrameAmx, AFrameWithoutTileDataHasNoTilesToEdit) {
  const Machine m = test::sapphire_rapids();
  auto snap = synthetic_frame(m, false);
  SignalFrame frame = SignalFrame::of(*snap);
  auto img = std::make_unique<CpuImage>();
  img->clear();
  const ComponentDescriptor& cfg = component(ComponentId::kAmxTilecfg);
  const ComponentDescriptor& data = component(ComponentId::kAmxTiledata);
  cfg.fill(*img, m, {7, kRoleEdit, 2}, Shape::kLanes);
  data.fill(*img, m, {7, kRoleEdit, 2}, Shape::kLanes);
  EXPECT_TRUE(frame.write(cfg, m, *img));
  EXPECT_FALSE(frame.write(data, m, *img)) << "tile data beyond the frame's xstate_size";
  auto big = synthetic_frame(m, true);
  SignalFrame with_tiles = SignalFrame::of(*big);
  ASSERT_TRUE(with_tiles.write(data, m, *img));
  const auto& last = fields_of(data, m).back();  // tmm7 [row 15]
  EXPECT_EQ(with_tiles.slot(data, last, m.xsave) - big->fpstate, 2816 + 7 * 1024 + 15 * 64);
}

TEST_P(FrameLayouts, SlotsSitAtTheCpuidOffsets) {
  const Machine m = machine();
  auto snap = synthetic_frame(m);
  SignalFrame frame = SignalFrame::of(*snap);
  auto offset_of = [&](ComponentId id, size_t field) {
    const auto& c = component(id);
    return frame.slot(c, fields_of(c, m)[field], m.xsave) - snap->fpstate;
  };
  EXPECT_EQ(offset_of(ComponentId::kSse, 3), 160 + 3 * 16);
  EXPECT_EQ(offset_of(ComponentId::kMxcsr, 0), 24);
  EXPECT_EQ(offset_of(ComponentId::kAvx, 15), m.xsave.component(2).offset + 15 * 16);
  EXPECT_EQ(offset_of(ComponentId::kPkru, 0), m.xsave.component(9).offset);
  if (m.features.avx512f) {
    EXPECT_EQ(offset_of(ComponentId::kOpmask, 1), 0x440 + 8);  // Intel's opmask offset
    EXPECT_EQ(offset_of(ComponentId::kHi16Zmm, 0), 0x680);
  } else {
    EXPECT_EQ(offset_of(ComponentId::kPkru, 0), 0x980);  // Zen 3: PKRU right after AVX's gap
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FrameLayouts,
                         ::testing::Values("zen3", "skylake_x", "sapphire_rapids"));

TEST(Frame, ClearXstateBvReadsAsInit) {
  const Machine m = test::sapphire_rapids();
  auto snap = synthetic_frame(m);
  SignalFrame frame = SignalFrame::of(*snap);
  auto img = std::make_unique<CpuImage>();
  img->clear();
  const auto& avx = component(ComponentId::kAvx);
  avx.fill(*img, m, {1, kRoleMain, 1}, Shape::kLanes);
  ASSERT_TRUE(frame.write(avx, m, *img));
  frame.set_xstate_bv(frame.xstate_bv() & ~4ull);
  auto back = std::make_unique<CpuImage>(*img);
  ASSERT_TRUE(frame.read(avx, m, *back, nullptr));
  for (int r = 0; r < 16; ++r)
    for (int b = 16; b < 32; ++b)
      ASSERT_EQ(back->zmm[r][b], 0) << "ymm" << r;
}

TEST(Frame, MxcsrIsReadWhateverXstateBvSays) {
  const Machine m = test::sapphire_rapids();
  auto snap = synthetic_frame(m);
  SignalFrame frame = SignalFrame::of(*snap);
  const uint32_t mxcsr = 0x9fa5;
  std::memcpy(snap->fpstate + 24, &mxcsr, 4);
  frame.set_xstate_bv(0);
  auto img = std::make_unique<CpuImage>();
  img->clear();
  ASSERT_TRUE(frame.read(component(ComponentId::kMxcsr), m, *img, nullptr));
  EXPECT_EQ(img->mxcsr, mxcsr);
}

TEST(Frame, FxsaveOnlyFrameHasNoExtendedState) {
  const Machine m = test::zen3();
  auto snap = synthetic_frame(m);
  std::memset(snap->fpstate + kSwReservedOffset, 0, 48);  // no magic1: a legacy frame
  snap->fpstate_len = 512;
  SignalFrame frame = SignalFrame::of(*snap);
  EXPECT_FALSE(frame.has_xstate());
  auto img = std::make_unique<CpuImage>();
  img->clear();
  std::string why;
  EXPECT_FALSE(frame.read(component(ComponentId::kAvx), m, *img, &why));
  EXPECT_NE(why.find("FXSAVE"), std::string::npos) << why;
  EXPECT_TRUE(frame.read(component(ComponentId::kSse), m, *img, &why)) << why;
  EXPECT_FALSE(frame.write(component(ComponentId::kAvx), m, *img));
}

TEST(Frame, SegmentBasesAreNotInTheFrame) {
  const Machine m = test::zen3();
  auto snap = synthetic_frame(m);
  SignalFrame frame = SignalFrame::of(*snap);
  auto img = std::make_unique<CpuImage>();
  std::string why;
  EXPECT_FALSE(frame.read(component(ComponentId::kFsbase), m, *img, &why));
  EXPECT_NE(why.find("FS base"), std::string::npos);
}

TEST(Frame, LiveCaptureMatchesTheKernelsFacts) {
  static const Machine m = probe_machine();
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  plan.irritate = false;
  auto snap = std::make_unique<FrameSnapshot>();
  plan.snapshot = snap.get();
  install_handler(kPrimarySignal, false);
  raise_in_this_thread(kPrimarySignal);
  uninstall_handler(kPrimarySignal);
  plan.snapshot = nullptr;
  ASSERT_TRUE(snap->captured);
  SignalFrame frame = SignalFrame::of(*snap);
  ASSERT_TRUE(frame.has_fpstate());
  if (!m.features.osxsave) GTEST_SKIP() << "no XSAVE: FXSAVE-only frames";
  EXPECT_EQ(frame.magic1(), kFpXstateMagic1);
  EXPECT_EQ(frame.magic2(), kFpXstateMagic2);
  EXPECT_EQ(frame.extended_size(), frame.xstate_size() + 4);
  EXPECT_EQ(frame.xfeatures() & ~m.xcr0, 0u);
  EXPECT_EQ(snap->fpstate_address % 64, 0u);
}

}  // namespace
}  // namespace sigctx
