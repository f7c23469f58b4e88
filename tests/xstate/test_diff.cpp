#include <gtest/gtest.h>

#include <cstring>

#include "tests/support/machines.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {
namespace {

class Diff : public ::testing::Test {
 protected:
  void SetUp() override {
    expected->clear();
    for (const ComponentDescriptor* c : all_components())
      c->fill(*expected, m, main, Shape::kLanes);
    *actual = *expected;
    ctx.machine = &m;
    ctx.expected = {main, Shape::kLanes};
    ctx.known = {{main, Shape::kLanes}, {h1, Shape::kLanes}};
  }
  std::vector<RegisterDiff> run(ComponentMask checked, uint16_t gpr_skip = 1u << kRsp) {
    DiffOptions o;
    o.checked = checked;
    o.gpr_skip = gpr_skip;
    o.where = "after sigreturn";
    return diff_images(*expected, *actual, m, o, ctx);
  }
  Machine m = test::sapphire_rapids();
  PatternSource main{0x10, kRoleMain, 1}, h1{0x10, kRoleHandler1, 1};
  std::unique_ptr<CpuImage> expected = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> actual = std::make_unique<CpuImage>();
  ClassifyContext ctx;
  const ComponentMask all = (1u << kComponentCount) - 1;
};

TEST_F(Diff, IdenticalImagesHaveNoDiff) {
  EXPECT_TRUE(run(all).empty());
}

TEST_F(Diff, NamesExactlyTheChangedLanes) {
  // ymm5 lane 3 (bits 255:192) only.
  std::memset(actual->zmm[5] + 24, 0, 8);
  auto d = run(all);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].component, ComponentId::kAvx);
  EXPECT_EQ(d[0].reg, "ymm5");
  EXPECT_EQ(d[0].bits, "[255:128]");
  EXPECT_EQ(d[0].lanes, std::vector<unsigned>{3});
  EXPECT_EQ(d[0].cls, DiffClass::kZeroed);
  EXPECT_EQ(d[0].where, "after sigreturn");
}

TEST_F(Diff, OnlyCheckedComponentsCount) {
  std::memset(actual->zmm[5] + 24, 0, 8);
  EXPECT_TRUE(run(all & ~component_bit(ComponentId::kAvx)).empty());
}

TEST_F(Diff, SkippedGprsAndUnmaskedFlagBitsAreIgnored) {
  actual->gpr[kRcx] ^= 1;
  actual->gpr[kR11] ^= 1;
  actual->rflags |= 1 << 21;  // ID: not a patterned bit
  EXPECT_TRUE(run(all, (1u << kRsp) | (1u << kRcx) | (1u << kR11)).empty());
  EXPECT_EQ(run(all).size(), 2u) << "rcx and r11 count unless skipped";
}

TEST_F(Diff, EmptyX87RegistersAreNotCompared) {
  // Three values pushed: TOP = 5, physical registers 5..7 valid, ST(3..7) empty.
  expected->x87_fsw = 5 << 11;
  expected->x87_ftw = 0xe0;
  *actual = *expected;
  std::memset(actual->x87_st[4], 0x11, 10);
  EXPECT_TRUE(run(component_bit(ComponentId::kX87)).empty());
  std::memset(actual->x87_st[2], 0x11, 10);
  auto d = run(component_bit(ComponentId::kX87));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reg, "st2");
}

TEST_F(Diff, GroupsConsecutiveRegistersOfOneClass) {
  for (int r = 3; r < 16; ++r)
    std::memset(actual->zmm[r] + 16, 0, 16);
  auto d = run(all);
  ASSERT_EQ(d.size(), 13u);
  auto groups = group_diffs(d);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(describe_group(d, groups[0]),
            "avx: ymm3..ymm15 [255:128] differ after sigreturn (13 registers, 208 bytes), class "
            "zeroed");
  EXPECT_EQ(describe_diff(d[0]),
            "ymm3[255:128] expected 0x5ac0100001050303"
            "5ac0100001050302 got "
            "0x00000000000000000000000000000000  class: zeroed");
}

TEST_F(Diff, WideRegistersShowTheirFirstDifferingLane) {
  std::memcpy(actual->zmm[20] + 40, expected->zmm[20] + 48, 8);  // lane 5 := lane 6's value
  auto d = run(all);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DiffClass::kMisplaced);
  const std::string text = describe_diff(d[0]);
  EXPECT_NE(text.find("zmm20[383:320] expected 0x5ac0100001081405 got 0x5ac0100001081406"),
            std::string::npos)
      << text;
}

// Issue 24: a reset MXCSR headlined its consequence, r12, which the gpr component (registered
// first) put ahead of it. Control registers lead; the others keep their order.
TEST(LeadWithRoot, ControlRegistersComeFirstAndTheRestKeepTheirOrder) {
  auto diff = [](ComponentId c, const char* reg) {
    RegisterDiff d;
    d.component = c;
    d.reg = reg;
    return d;
  };
  std::vector<RegisterDiff> diffs = {diff(ComponentId::kGpr, "r12"), diff(ComponentId::kX87, "st0"),
                                     diff(ComponentId::kMxcsr, "mxcsr"),
                                     diff(ComponentId::kGpr, "rbx"),
                                     diff(ComponentId::kX87, "fcw")};
  lead_with_root(diffs);
  std::vector<std::string> order;
  for (const RegisterDiff& d : diffs)
    order.push_back(d.reg);
  EXPECT_EQ(order, (std::vector<std::string>{"mxcsr", "fcw", "r12", "st0", "rbx"}));
}

TEST_F(Diff, JsonRoundTrip) {
  std::memcpy(actual->zmm[1] + 16, expected->zmm[2] + 16, 16);  // ymm2 where ymm1 belongs
  auto d = run(all);
  ASSERT_EQ(d.size(), 1u);
  d[0].injection = {"sigctx_hold", 0x1a0, 7, -1, "syscall"};
  RegisterDiff back;
  std::string error;
  ASSERT_TRUE(diff_from_json(diff_to_json(d[0]), &back, &error)) << error;
  EXPECT_EQ(back.reg, d[0].reg);
  EXPECT_EQ(back.expected, d[0].expected);
  EXPECT_EQ(back.actual, d[0].actual);
  EXPECT_EQ(back.lanes, d[0].lanes);
  EXPECT_EQ(back.cls, d[0].cls);
  EXPECT_EQ(back.injection.boundary, 7);
  EXPECT_EQ(back.injection.instruction, "syscall");
  auto j = diff_to_json(d[0]);
  j["expected"] = "0xabc";  // odd digit count
  EXPECT_FALSE(diff_from_json(j, &back, &error));
  EXPECT_NE(error.find("hex"), std::string::npos);
}

}  // namespace
}  // namespace sigctx
