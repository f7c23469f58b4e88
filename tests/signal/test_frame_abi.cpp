// The frame ABI checker, mutation by mutation: a real frame captured here must pass, and each
// single corruption must be reported by exactly the check that names it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "engine/frame_abi.h"
#include "engine/handler.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

const Machine& live() {
  static const Machine m = probe_machine();
  return m;
}

class FrameAbi : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!live().features.osxsave) GTEST_SKIP() << "no XSAVE: Linux writes FXSAVE-only frames";
    init_signal_runtime(live());
    HandlerPlan& plan = handler_plan();
    plan.irritate = false;
    plan.snapshot = original.get();
    install_handler(kPrimarySignal, false);
    raise_in_this_thread(kPrimarySignal);
    uninstall_handler(kPrimarySignal);
    plan.snapshot = nullptr;
    ASSERT_TRUE(original->captured);
    rip = SignalFrame::of(*original).rip();
  }
  std::vector<std::string> checks_after(void (*mutate)(FrameSnapshot&, SignalFrame&)) {
    auto copy = std::make_unique<FrameSnapshot>(*original);
    SignalFrame f = SignalFrame::of(*copy);
    if (mutate) mutate(*copy, f);
    SignalFrame g = SignalFrame::of(*copy);
    std::vector<std::string> names;
    for (const auto& finding : check_frame_abi(g, live(), {rip, 0, nullptr}))
      names.push_back(finding.check);
    return names;
  }
  static void put32(FrameSnapshot& s, size_t at, uint32_t v) { std::memcpy(s.fpstate + at, &v, 4); }
  std::unique_ptr<FrameSnapshot> original = std::make_unique<FrameSnapshot>();
  uint64_t rip = 0;
};

using Checks = std::vector<std::string>;
bool has(const Checks& c, const std::string& name) {
  return std::find(c.begin(), c.end(), name) != c.end();
}

TEST_F(FrameAbi, TheRealFrameConforms) {
  EXPECT_EQ(checks_after(nullptr), Checks{});
}

TEST_F(FrameAbi, Magic1) {
  EXPECT_EQ(checks_after([](FrameSnapshot& s, SignalFrame&) { put32(s, kSwReservedOffset, 0); }),
            Checks{"frame.magic1"});
}

TEST_F(FrameAbi, Magic2) {
  EXPECT_EQ(
      checks_after([](FrameSnapshot& s, SignalFrame& f) { put32(s, f.xstate_size(), 0x12345678); }),
      Checks{"frame.magic2"});
}

TEST_F(FrameAbi, ExtendedSize) {
  EXPECT_EQ(checks_after([](FrameSnapshot& s, SignalFrame& f) {
              put32(s, kSwReservedOffset + 4, f.xstate_size());
            }),
            Checks{"frame.extended_size"});
}

TEST_F(FrameAbi, SmallerXstateSizeAsCriuWrites) {
  // A frame that claims less than the features need, with magic2 moved to match.
  auto c = checks_after([](FrameSnapshot& s, SignalFrame& f) {
    const uint32_t smaller = f.xstate_size() - 64;
    put32(s, kSwReservedOffset + 16, smaller);
    put32(s, kSwReservedOffset + 4, smaller + 4);
    put32(s, smaller, kFpXstateMagic2);
  });
  EXPECT_EQ(c, Checks{"frame.xstate_size"});
}

TEST_F(FrameAbi, Xfeatures) {
  auto c = checks_after([](FrameSnapshot& s, SignalFrame& f) {
    const uint64_t x = f.xfeatures() & ~2ull;  // SSE missing
    std::memcpy(s.fpstate + kSwReservedOffset + 8, &x, 8);
  });
  EXPECT_TRUE(has(c, "frame.xfeatures"));
}

TEST_F(FrameAbi, XstateBvOutsideXfeatures) {
  EXPECT_EQ(checks_after([](FrameSnapshot&, SignalFrame& f) {
              f.set_xstate_bv(f.xstate_bv() | (1ull << 60));
            }),
            Checks{"frame.xstate_bv"});
}

TEST_F(FrameAbi, CompactedFormat) {
  EXPECT_EQ(checks_after([](FrameSnapshot& s, SignalFrame&) {
              const uint64_t compacted = (1ull << 63) | 7;
              std::memcpy(s.fpstate + kXsaveHeaderOffset + 8, &compacted, 8);
            }),
            Checks{"frame.xcomp_bv"});
}

TEST_F(FrameAbi, ReservedHeaderBytes) {
  EXPECT_EQ(
      checks_after([](FrameSnapshot& s, SignalFrame&) { s.fpstate[kXsaveHeaderOffset + 40] = 1; }),
      Checks{"frame.header_reserved"});
}

TEST_F(FrameAbi, Rip) {
  EXPECT_EQ(checks_after([](FrameSnapshot&, SignalFrame& f) { f.set_rip(f.rip() + 1); }),
            Checks{"frame.rip"});
}

TEST_F(FrameAbi, Alignment) {
  EXPECT_EQ(checks_after([](FrameSnapshot& s, SignalFrame&) { s.fpstate_address += 16; }),
            Checks{"frame.fpstate_alignment"});
}

// A frame without magic1 only holds an FXSAVE area, which FXRSTOR needs 16-byte aligned: 32
// mod 64 (QEMU's Nehalem frames, valgrind's) is no finding of its own, 8 mod 16 is.
TEST_F(FrameAbi, FxsaveAreaNeedsOnly16ByteAlignment) {
  EXPECT_EQ(checks_after([](FrameSnapshot& s, SignalFrame&) {
              put32(s, kSwReservedOffset, 0);
              s.fpstate_address += 32;
            }),
            Checks{"frame.magic1"});
  EXPECT_EQ(checks_after([](FrameSnapshot& s, SignalFrame&) {
              put32(s, kSwReservedOffset, 0);
              s.fpstate_address += 8;
            }),
            (Checks{"frame.fpstate_alignment", "frame.magic1"}));
}

TEST_F(FrameAbi, NullFpregs) {
  EXPECT_EQ(checks_after([](FrameSnapshot& s, SignalFrame&) { s.fpstate_address = 0; }),
            Checks{"frame.fpregs"});
}

TEST_F(FrameAbi, XstateBvClearWhileHeldNonInit) {
  const Machine& m = live();
  if (!component(ComponentId::kAvx).availability(m).ok) GTEST_SKIP() << "no AVX here";
  auto held = std::make_unique<CpuImage>();
  held->clear();
  component(ComponentId::kAvx).fill(*held, m, {1, kRoleMain, 1}, Shape::kLanes);
  auto copy = std::make_unique<FrameSnapshot>(*original);
  SignalFrame f = SignalFrame::of(*copy);
  f.set_xstate_bv(f.xstate_bv() & ~4ull);
  std::vector<std::string> names;
  for (const auto& finding :
       check_frame_abi(f, m, {rip, component_bit(ComponentId::kAvx), held.get()}))
    names.push_back(finding.check);
  EXPECT_EQ(names, Checks{"frame.xstate_bv.avx"});
  // Holding init values, a clear bit is correct.
  component(ComponentId::kAvx).init(*held);
  EXPECT_TRUE(check_frame_abi(f, m, {rip, component_bit(ComponentId::kAvx), held.get()}).empty());
}

TEST(ExpectedXfeatures, DynamicFeaturesNeedPermission) {
  Machine m;
  m.xcr0 = 0x602e7;
  m.xsave.components[18] = {18, 8192, 0xb00, false, true, true};
  m.xcomp_perm = 0x202e7;
  EXPECT_EQ(expected_frame_xfeatures(m), 0x202e7u);
  m.xcomp_perm = 0x602e7;
  EXPECT_EQ(expected_frame_xfeatures(m), 0x602e7u);
}

}  // namespace
}  // namespace sigctx
