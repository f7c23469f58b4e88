// --inject-fault on AMX state: each fault the injector can put into a saved tile or TILECFG is
// reported on the register it names. The injector is what every AMX case's mutation test on an
// AMX machine uses; here it runs on Sapphire Rapids fixture images.
#include <gtest/gtest.h>

#include <memory>

#include "engine/fault.h"
#include "tests/support/machines.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {
namespace {

struct Injected {
  const char* spec;
  ComponentId component;
  const char* reg;
  const char* bits;
  DiffClass cls;
};

class AmxFaults : public ::testing::TestWithParam<Injected> {};

TEST_P(AmxFaults, AreReportedOnTheRegisterTheyName) {
  const Machine m = test::sapphire_rapids();
  const PatternSource main{0x31, kRoleMain, 1}, h1{0x31, kRoleHandler1, 1};
  auto expected = std::make_unique<CpuImage>(), handler = std::make_unique<CpuImage>();
  expected->clear();
  handler->clear();
  for (ComponentId id : {ComponentId::kAmxTilecfg, ComponentId::kAmxTiledata}) {
    component(id).fill(*expected, m, main, Shape::kLanes);
    component(id).fill(*handler, m, h1, Shape::kLanes);
  }
  std::string error;
  const auto f = parse_fault_spec(GetParam().spec, &error);
  ASSERT_TRUE(f) << error;
  auto actual = std::make_unique<CpuImage>(*expected);
  apply_fault_to_image(*f, m, *actual, *handler);
  ClassifyContext ctx;
  ctx.machine = &m;
  ctx.expected = {main, Shape::kLanes};
  ctx.known = {{main, Shape::kLanes}, {h1, Shape::kLanes}};
  DiffOptions o;
  o.checked = component_bit(ComponentId::kAmxTilecfg) | component_bit(ComponentId::kAmxTiledata);
  const auto d = diff_images(*expected, *actual, m, o, ctx);
  ASSERT_EQ(d.size(), 1u) << GetParam().spec;
  EXPECT_EQ(d[0].component, GetParam().component);
  EXPECT_EQ(d[0].reg, GetParam().reg);
  EXPECT_EQ(d[0].bits, GetParam().bits);
  EXPECT_EQ(d[0].cls, GetParam().cls) << d[0].source;
}

INSTANTIATE_TEST_SUITE_P(
    Specs, AmxFaults,
    ::testing::Values(Injected{"amx_tiledata:tmm3:zero", ComponentId::kAmxTiledata, "tmm3",
                               "[row 0]", DiffClass::kZeroed},
                      Injected{"amx_tiledata:tmm5:leak", ComponentId::kAmxTiledata, "tmm5",
                               "[row 0]", DiffClass::kHandler},
                      Injected{"amx_tiledata:tmm7:bitflip", ComponentId::kAmxTiledata, "tmm7",
                               "[row 0]", DiffClass::kBitflip},
                      Injected{"amx_tilecfg:tilecfg:leak", ComponentId::kAmxTilecfg, "tilecfg",
                               "tmm0 rows", DiffClass::kHandler},
                      Injected{"amx_tilecfg:tilecfg:bitflip", ComponentId::kAmxTilecfg, "tilecfg",
                               "tmm0 rows", DiffClass::kBitflip}),
    [](const auto& info) {
      std::string n = info.param.spec;
      for (char& c : n)
        if (c == ':') c = '_';
      return n;
    });

TEST(AmxFaults, ARegisterOfManyFieldsIsListedOnceInTheError) {
  std::string error;
  EXPECT_FALSE(parse_fault_spec("amx_tiledata:tmm9", &error));
  EXPECT_NE(error.find("(registers: tmm0 tmm1 tmm2 tmm3 tmm4 tmm5 tmm6 tmm7)"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace sigctx
