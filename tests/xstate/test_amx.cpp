// AMX tile state (issue 9): the rules amx_tilecfg and amx_tiledata follow, checked on the
// Sapphire Rapids fixture because this machine has no AMX. The tile instructions themselves run
// only on AMX hardware; everything around them (availability, permission, patterns, the XSAVE
// layout and the diff) runs here.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <tuple>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <set>

#include "probes/machine.h"
#include "tests/support/machines.h"
#include "xstate/component_registry.h"
#include "xstate/components/amx.h"
#include "xstate/diff.h"
#include "xstate/disasm.h"
#include "xstate/xsave_area.h"

extern "C" void sigctx_amx_tiledata_load(sigctx::CpuImage*);
extern "C" void sigctx_amx_tiledata_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

const ComponentDescriptor& tilecfg() {
  return component(ComponentId::kAmxTilecfg);
}
const ComponentDescriptor& tiledata() {
  return component(ComponentId::kAmxTiledata);
}

std::unique_ptr<CpuImage> filled(const Machine& m, const PatternSource& src, Shape shape,
                                 bool with_tilecfg) {
  auto img = std::make_unique<CpuImage>();
  img->clear();
  if (with_tilecfg) tilecfg().fill(*img, m, src, shape);
  tiledata().fill(*img, m, src, shape);
  return img;
}

// What LDTILECFG accepts for palette 1 (SDM vol. 2, LDTILECFG): at most 16 rows of at most 64
// bytes, a tile either fully configured or not at all, reserved bytes zero.
void expect_loadable_config(const uint8_t* cfg) {
  EXPECT_EQ(cfg[kTilecfgPalette], 1);
  EXPECT_EQ(cfg[kTilecfgStartRow], 0);
  for (unsigned t = 0; t < kAmxTiles; ++t) {
    EXPECT_LE(tile_rows(cfg, t), kAmxMaxRows) << "tmm" << t;
    EXPECT_LE(tile_colsb(cfg, t), kAmxMaxColsb) << "tmm" << t;
    EXPECT_EQ(tile_rows(cfg, t) == 0, tile_colsb(cfg, t) == 0) << "tmm" << t;
  }
  for (unsigned i = 2; i < 16; ++i)
    EXPECT_EQ(cfg[i], 0) << "reserved byte " << i;
  for (unsigned i = 32; i < 48; ++i)
    EXPECT_EQ(cfg[i], 0) << "reserved byte " << i;
  for (unsigned i = 56; i < 64; ++i)
    EXPECT_EQ(cfg[i], 0) << "reserved byte " << i;
}

TEST(Amx, AvailableWhereCpuOsAndKernelAllOfferIt) {
  Machine spr = test::sapphire_rapids();
  EXPECT_TRUE(tilecfg().availability(spr).ok) << tilecfg().availability(spr).reason;
  EXPECT_TRUE(tiledata().availability(spr).ok);
  EXPECT_EQ(tiledata().availability(test::skylake_x()).reason, "CPU lacks AMX-TILE");
  Machine no_xcr0 = spr;
  no_xcr0.xcr0 &= ~(1ull << 18);
  EXPECT_EQ(tiledata().availability(no_xcr0).reason,
            "XCR0 lacks bits 17-18 (OS did not enable AMX tile state)");
  Machine old_kernel = spr;
  old_kernel.xcomp_supp = 0;  // before Linux 5.16: no arch_prctl for AMX
  EXPECT_NE(tiledata().availability(old_kernel).reason.find("ARCH_GET_XCOMP_SUPP lacks bit 18"),
            std::string::npos);
  EXPECT_EQ(uncovered_xcr0_components(spr), 0u) << "AMX has its own components now";
}

// prepare asks the running kernel for permission. Here (no AMX) it must refuse, and the refusal
// must say which call failed; on an AMX machine the same request must succeed.
TEST(Amx, PermissionIsAskedOfTheKernelAndItsRefusalNamed) {
  const Machine live = probe_machine();
  const Machine spr = test::sapphire_rapids();
  const Availability a = prepare_components(spr, component_bit(ComponentId::kAmxTiledata));
  if (tiledata().availability(live).ok) {
    EXPECT_TRUE(a.ok) << a.reason;
  } else {
    ASSERT_FALSE(a.ok);
    EXPECT_EQ(a.reason.rfind("amx_tiledata: arch_prctl(ARCH_REQ_XCOMP_PERM, 18) failed: ", 0), 0u)
        << a.reason;
  }
  // A machine without AMX is never asked.
  EXPECT_FALSE(prepare_components(test::skylake_x(), component_bit(ComponentId::kAmxTiledata)).ok);
  EXPECT_TRUE(prepare_components(spr, component_bit(ComponentId::kAvx)).ok);
}

// The roles that meet in one signal case (the interrupted code, both handler levels, the frame
// edit) differ in every tile's shape, so a TILECFG from any of them is traced to it; any role
// gets a shape LDTILECFG accepts.
TEST(Amx, EveryRoleGetsADistinctLoadableTileConfiguration) {
  const Machine m = test::sapphire_rapids();
  for (uint64_t seed = 0; seed < 64; ++seed) {
    std::set<std::string> seen;
    for (uint8_t role :
         {uint8_t{kRoleMain}, uint8_t{kRoleHandler1}, uint8_t{kRoleEdit}, handler_role(2)}) {
      auto img = filled(m, {seed_tag(seed), role, 1}, Shape::kLanes, true);
      expect_loadable_config(img->tilecfg);
      EXPECT_TRUE(seen.insert(std::string(img->tilecfg, img->tilecfg + 64)).second)
          << "role " << int(role) << " repeats another role's TILECFG";
    }
  }
  // A sibling thread's or another process's shape is loadable too, and not a handler's (their
  // role indices repeat the handlers' modulo the seven values of a field).
  for (uint64_t seed = 0; seed < 64; ++seed) {
    const auto h1 = filled(m, {seed_tag(seed), kRoleHandler1, 1}, Shape::kLanes, true);
    for (uint8_t role : {uint8_t{kRoleThread0 + 1}, uint8_t{kRoleProcess0 + 1}}) {
      const auto other = filled(m, {seed_tag(seed), role, 1}, Shape::kLanes, true);
      expect_loadable_config(other->tilecfg);
      EXPECT_NE(std::memcmp(other->tilecfg, h1->tilecfg, 64), 0)
          << "role " << int(role) << " seed " << seed;
    }
  }
  auto special = filled(m, {0x123, kRoleMain, 1}, Shape::kSpecial, true);
  expect_loadable_config(special->tilecfg);
  EXPECT_EQ(tile_rows(special->tilecfg, 0), 16u);
  EXPECT_EQ(tile_rows(special->tilecfg, 1), 0u);
}

TEST(Amx, TileDataFollowsTheConfigurationAndIsZeroOutsideIt) {
  const Machine m = test::sapphire_rapids();
  const PatternSource src{0x123, kRoleMain, 2};
  auto img = filled(m, src, Shape::kLanes, true);
  for (unsigned t = 0; t < kAmxTiles; ++t) {
    const unsigned rows = tile_rows(img->tilecfg, t), colsb = tile_colsb(img->tilecfg, t);
    EXPECT_GE(rows, 3u) << "tmm" << t << " is configured";
    EXPECT_GE(colsb, 12u) << "tmm" << t;
    for (unsigned r = 0; r < kAmxMaxRows; ++r)
      for (unsigned b = 0; b < 64; ++b) {
        const uint8_t byte = img->tiles[t][r * 64 + b];
        if (r >= rows || b >= colsb) {
          EXPECT_EQ(byte, 0) << "tmm" << t << " row " << r << " byte " << b;
          continue;
        }
        if (b % 8) continue;
        uint64_t v = 0;
        std::memcpy(&v, img->tiles[t] + r * 64 + b, std::min(8u, colsb - b));
        if (b + 8 > colsb) {  // a row that ends inside a lane keeps that lane's low bytes
          const uint64_t full = encode_lane(src, ComponentId::kAmxTiledata, t, r * 8 + b / 8);
          EXPECT_EQ(v, full & ((1ull << 8 * (colsb - b)) - 1));
          continue;
        }
        const auto o = decode_lane(v);
        ASSERT_TRUE(o) << "tmm" << t << " row " << r << " lane " << b / 8;
        EXPECT_EQ(o->component, static_cast<uint8_t>(ComponentId::kAmxTiledata));
        EXPECT_EQ(o->reg, t);
        EXPECT_EQ(o->lane, r * 8 + b / 8);
        EXPECT_EQ(o->source, src);
      }
  }
  // Alone, tile data brings the full configuration with it.
  auto alone = filled(m, src, Shape::kLanes, false);
  for (unsigned t = 0; t < kAmxTiles; ++t) {
    EXPECT_EQ(tile_rows(alone->tilecfg, t), 16u);
    EXPECT_EQ(tile_colsb(alone->tilecfg, t), 64u);
  }
  // The zero shape is the init state of both components: no configuration, no tile data (what
  // XRSTOR with XSTATE_BV clear leaves, and STTILECFG then reads as 64 zero bytes).
  auto zero = filled(m, src, Shape::kZero, true);
  for (unsigned i = 0; i < 64; ++i)
    EXPECT_EQ(zero->tilecfg[i], 0) << "TILECFG byte " << i;
  for (unsigned t = 0; t < kAmxTiles; ++t)
    for (unsigned i = 0; i < 1024; ++i)
      ASSERT_EQ(zero->tiles[t][i], 0) << "tmm" << t << " byte " << i;
}

TEST(Amx, TilesLandAtTheirXsaveOffsets) {
  const Machine m = test::sapphire_rapids();
  ASSERT_EQ(m.xsave.component(18).offset, 2816u);  // CPUID.(0xD,18).EBX on this CPU
  ASSERT_EQ(m.xsave.component(18).size, 8192u);
  struct alignas(64) Area {
    uint8_t bytes[16384] = {};
  };
  auto buf = std::make_unique<Area>();
  XsaveArea area(buf->bytes, m.xsave.size_enabled, true);
  auto img = filled(m, {0x42, kRoleMain, 1}, Shape::kLanes, true);
  ASSERT_TRUE(area.write(tilecfg(), m, *img));
  ASSERT_TRUE(area.write(tiledata(), m, *img));
  EXPECT_EQ(area.xstate_bv() >> 17 & 3, 3u);
  EXPECT_EQ(std::memcmp(buf->bytes + m.xsave.component(17).offset, img->tilecfg, 64), 0);
  EXPECT_EQ(std::memcmp(buf->bytes + 2816 + 3 * 1024 + 5 * 64, img->tiles[3] + 5 * 64, 64), 0);
  // XSTATE_BV clear: the tiles read as their init state, zero.
  area.set_xstate_bv(area.xstate_bv() & ~(1ull << 18));
  auto out = std::make_unique<CpuImage>();
  std::memset(static_cast<void*>(out.get()), 0xee, sizeof(CpuImage));
  ASSERT_TRUE(area.read(tiledata(), m, *out, nullptr));
  for (unsigned t = 0; t < kAmxTiles; ++t)
    for (unsigned i = 0; i < 1024; ++i)
      ASSERT_EQ(out->tiles[t][i], 0) << "tmm" << t << " byte " << i;
}

// The routines cannot run here, so their code is read instead: every tile is loaded and stored
// with the row stride, each behind its own check of TILECFG's rows byte (an unconfigured tile
// raises #UD), and the store reads TILECFG before its first write.
TEST(Amx, TheTileRoutinesTouchEveryTileBehindItsRowsCheck) {
  auto walk = [](const void* fn) {
    std::vector<std::string> text;
    const auto* p = static_cast<const uint8_t*>(fn);
    for (unsigned i = 0; i < 200; ++i) {
      const Disassembly d = disassemble(p, 0);
      if (d.length == 0) break;
      std::string lower = d.text;  // Zydis prints hex in upper case, capstone in lower
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      text.push_back(lower);
      if (d.text.rfind("ret", 0) == 0) break;
      p += d.length;
    }
    return text;
  };
  for (const auto& [fn, verb, cfg] :
       {std::tuple{reinterpret_cast<const void*>(&sigctx_amx_tiledata_load), "tileloadd", 0xc00},
        std::tuple{reinterpret_cast<const void*>(&sigctx_amx_tiledata_store), "tilestored",
                   0xa00}}) {
    const std::vector<std::string> text = walk(fn);
    ASSERT_FALSE(text.empty());
    EXPECT_NE(text.front().find(std::string(verb) == "tileloadd" ? "ldtilecfg" : "sttilecfg"),
              std::string::npos)
        << text.front();
    unsigned tiles = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i].find(verb) == std::string::npos) continue;
      EXPECT_NE(text[i].find(fmt::format("tmm{}", tiles)), std::string::npos) << text[i];
      // Three instructions earlier: the compare of that tile's rows byte.
      ASSERT_GE(i, 3u);
      EXPECT_NE(text[i - 3].find(fmt::format("{:#x}", cfg + 48 + tiles)), std::string::npos)
          << text[i - 3];
      ++tiles;
    }
    EXPECT_EQ(tiles, kAmxTiles) << verb;
  }
}

// The mutation tests the checker owes: each injected fault is reported with the right
// component, register, row and lane, and classified by where the value came from.
class AmxDiff : public ::testing::Test {
 protected:
  void SetUp() override {
    expected = filled(m, main, Shape::kLanes, true);
    actual = std::make_unique<CpuImage>(*expected);
    ctx.machine = &m;
    ctx.expected = {main, Shape::kLanes};
    ctx.known = {{main, Shape::kLanes}, {h1, Shape::kLanes}};
  }
  std::vector<RegisterDiff> run() {
    DiffOptions o;
    o.checked = component_bit(ComponentId::kAmxTilecfg) | component_bit(ComponentId::kAmxTiledata);
    o.where = "after sigreturn";
    return diff_images(*expected, *actual, m, o, ctx);
  }
  Machine m = test::sapphire_rapids();
  PatternSource main{0x77, kRoleMain, 1}, h1{0x77, kRoleHandler1, 1};
  std::unique_ptr<CpuImage> expected, actual;
  ClassifyContext ctx;
};

TEST_F(AmxDiff, IdenticalTilesHaveNoDiff) {
  EXPECT_TRUE(run().empty());
}

TEST_F(AmxDiff, OneFlippedTileByteIsNamedByTileRowAndLane) {
  actual->tiles[3][5 * 64 + 2 * 8 + 7] ^= 0x10;  // bit 60, in the pattern magic
  const auto d = run();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].component, ComponentId::kAmxTiledata);
  EXPECT_EQ(d[0].reg, "tmm3");
  EXPECT_EQ(d[0].bits, "[row 5]");
  EXPECT_EQ(d[0].lanes, std::vector<unsigned>{42});
  EXPECT_EQ(d[0].cls, DiffClass::kBitflip);
}

TEST_F(AmxDiff, TilesRestoredFromTheHandlerAreClassifiedAsItsLeak) {
  auto handler = filled(m, h1, Shape::kLanes, true);
  std::memcpy(actual->tiles[6], handler->tiles[6], 1024);
  const auto d = run();
  ASSERT_FALSE(d.empty());
  for (const RegisterDiff& x : d) {
    EXPECT_EQ(x.component, ComponentId::kAmxTiledata);
    EXPECT_EQ(x.reg, "tmm6");
  }
  EXPECT_EQ(d[0].cls, DiffClass::kHandler);
}

TEST_F(AmxDiff, TilesDroppedToTheInitStateAreZeroed) {
  std::memset(actual->tiles, 0, sizeof actual->tiles);
  const auto d = run();
  unsigned configured_rows = 0;
  for (unsigned t = 0; t < kAmxTiles; ++t)
    configured_rows += tile_rows(expected->tilecfg, t);
  EXPECT_GE(configured_rows, 8u * 3);
  ASSERT_EQ(d.size(), configured_rows) << "every configured row of every tile, and only those";
  for (const RegisterDiff& x : d)
    EXPECT_EQ(x.cls, DiffClass::kZeroed) << x.reg << x.bits;
}

// Without a configuration every row is compared, and must be zero.
TEST_F(AmxDiff, TilesLeftBehindAfterTheInitStateAreFound) {
  expected = filled(m, main, Shape::kZero, true);
  actual = std::make_unique<CpuImage>(*expected);
  EXPECT_TRUE(run().empty());
  actual->tiles[7][15 * 64 + 8] = 0x5a;
  const auto d = run();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reg, "tmm7");
  EXPECT_EQ(d[0].bits, "[row 15]");
  EXPECT_EQ(d[0].lanes, std::vector<unsigned>{121});
}

TEST_F(AmxDiff, AForeignTileShapeIsNamedAndTracedToItsRole) {
  auto handler = filled(m, h1, Shape::kLanes, true);
  std::memcpy(actual->tilecfg, handler->tilecfg, 64);
  const auto d = run();
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].component, ComponentId::kAmxTilecfg);
  EXPECT_EQ(d[0].reg, "tilecfg");
  EXPECT_EQ(d[0].bits.substr(0, 3), "tmm");
  EXPECT_EQ(d[0].cls, DiffClass::kHandler) << d[0].source;
}

}  // namespace
}  // namespace sigctx
