// The null transition: load every available component and store it straight back. This
// validates every hand-written loader and store routine against the C++ model of the pattern,
// on the real CPU, for every shape.
#include <gtest/gtest.h>

#include "engine/handler.h"
#include "engine/hold.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"
#include "xstate/init_state.h"

namespace sigctx {
namespace {

const Machine& live() {
  static const Machine m = probe_machine();
  return m;
}

// Every available component filled with `shape` and held across the null transition. The zero
// shape reaches the init state through XRSTOR, not through the value loaders.
struct NullHold {
  NullHold(const Machine& m, const PatternSource& src, Shape shape) {
    init_signal_runtime(m);
    mask = available_components(m);
    in->clear();
    out->clear();
    for (const ComponentDescriptor* c : all_components())
      if (mask & component_bit(c->id)) c->fill(*in, m, src, shape);
    in->host_fsbase = out->host_fsbase = sigctx_host_fsbase;
    init = shape == Shape::kZero ? init_loadable(m, mask) : 0;
    in->init_mask = xsave_init_mask(init);
    loaders = loaders_for(m, mask & ~init);
    stores = stores_for(m, mask);
    plan = {PLAN_ACTION_NONE, loaders.data(), stores.data(), default_hold_options(m)};
  }
  void hold() { sigctx_hold(in.get(), out.get(), &plan); }

  ComponentMask mask = 0, init = 0;
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out = std::make_unique<CpuImage>();
  RoutineList loaders, stores;
  HoldPlan plan;
};

class NullTransition : public ::testing::TestWithParam<Shape> {};

TEST_P(NullTransition, EveryComponentComesBackExactly) {
  const Machine& m = live();
  const PatternSource src{0x5a5, kRoleMain, 9};
  NullHold h(m, src, GetParam());
  h.hold();
  if (h.init && (h.plan.options & PLAN_OPT_XINUSE)) {
    // XRSTOR with XSTATE_BV clear leaves the AVX and AVX-512 components untracked (init).
    const uint64_t vector_bits = xsave_init_mask(h.init) & 0xe4;
    EXPECT_EQ(h.out->xinuse & vector_bits, 0u) << std::hex << h.out->xinuse;
  }

  auto expected = std::make_unique<CpuImage>(*h.in);
  expected->gpr[kRsp] = h.out->rsp_before;
  ClassifyContext ctx;
  ctx.machine = &m;
  ctx.expected = {src, GetParam()};
  ctx.known = {ctx.expected};
  DiffOptions o;
  o.checked = h.mask;
  o.gpr_skip = 0;
  const auto diffs = diff_images(*expected, *h.out, m, o, ctx);
  for (const auto& d : diffs)
    ADD_FAILURE() << describe_diff(d);
  EXPECT_TRUE(diffs.empty());
  // The loaders really ran: the stored image is not just an untouched copy.
  EXPECT_NE(h.out->x87_fcw, 0);
  EXPECT_NE(h.out->mxcsr, 0u);
}

INSTANTIATE_TEST_SUITE_P(Shapes, NullTransition,
                         ::testing::Values(Shape::kLanes, Shape::kZero, Shape::kSpecial),
                         [](const auto& info) { return std::string(shape_name(info.param)); });

TEST(Hold, RestoresTheCallersControlRegisters) {
  NullHold h(live(), {1, kRoleMain, 1}, Shape::kSpecial);
  uint32_t mxcsr_before, mxcsr_after;
  uint16_t fcw_before, fcw_after, fsw_after;
  __asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr_before), "=m"(fcw_before));
  h.hold();
  __asm__ volatile("stmxcsr %0; fnstcw %1; fnstsw %2"
                   : "=m"(mxcsr_after), "=m"(fcw_after), "=m"(fsw_after));
  EXPECT_EQ(h.out->mxcsr, h.in->mxcsr) << "the pattern was held";
  EXPECT_EQ(mxcsr_after, mxcsr_before);
  EXPECT_EQ(fcw_after, fcw_before);
  EXPECT_EQ((fsw_after >> 11) & 7, 0) << "x87 stack left empty";
}

TEST(Hold, RoutineListsFollowRegistrationOrderAndSkipDriverComponents) {
  const Machine& m = live();
  const RoutineList l =
      loaders_for(m, component_bit(ComponentId::kGpr) | component_bit(ComponentId::kSse) |
                         component_bit(ComponentId::kX87));
  ASSERT_NE(l.fns[0].fn, nullptr);
  ASSERT_NE(l.fns[1].fn, nullptr);
  EXPECT_EQ(l.fns[2].fn, nullptr) << "gpr is loaded by the driver itself";
  EXPECT_EQ(l.fns[0].fn, component(ComponentId::kX87).loader(m));
  EXPECT_EQ(l.fns[1].fn, component(ComponentId::kSse).loader(m));
}

}  // namespace
}  // namespace sigctx
