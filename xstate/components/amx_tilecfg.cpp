// amx_tilecfg: TILECFG, the palette and each tile's shape (rows, bytes per row). Patterns vary
// every tile's shape, within what any AMX CPU accepts (palette 1: up to 16 rows of 64 bytes), so
// a TILECFG restored from the handler, from another thread or from the init state is told apart
// from the interrupted code's.
#include <fmt/format.h>

#include "xstate/components/amx.h"
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_amx_tilecfg_load(sigctx::CpuImage*);
extern "C" void sigctx_amx_tilecfg_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

// Each tile's rows (bits 0-3) and bytes per row (bits 2-5) are narrow patterns of their own:
// never zero, so every tile is configured, and of even parity, so a flipped bit never turns one
// role's or generation's shape into another's. Every such value is a shape LDTILECFG accepts
// (palette 1: at most 16 rows of at most 64 bytes).
constexpr uint64_t kRowsFree = 0xf;
constexpr uint64_t kColsbFree = 0x3c;

std::vector<Field> fields(const Machine&) {
  std::vector<Field> out;
  auto add = [&](std::string bits, unsigned offset, unsigned size, uint64_t pattern_bits) {
    Field f;
    f.name = "tilecfg";
    f.bits = std::move(bits);
    f.offset = static_cast<uint16_t>(IMG_TILECFG + offset);
    f.size = static_cast<uint8_t>(size);
    f.lane_bytes = static_cast<uint8_t>(size);
    f.codec = Codec::kNarrow;
    f.pattern_bits = pattern_bits;
    f.xsave_offset = static_cast<int32_t>(offset);
    f.xsave_size = static_cast<uint8_t>(size);
    out.push_back(f);
  };
  for (unsigned t = 0; t < kAmxTiles; ++t) {
    add(fmt::format("tmm{} rows", t), kTilecfgRows + t, 1, kRowsFree);
    add(fmt::format("tmm{} colsb", t), kTilecfgColsb + 2 * t, 2, kColsbFree);
  }
  // Not patterned: the palette is 1 whenever a tile is configured, and START_ROW is 0 at every
  // instruction boundary (only an interrupted TILELOADD/TILESTORED leaves it non-zero). Only
  // equality is meaningful.
  add("palette", kTilecfgPalette, 1, 0x1);
  add("start_row", kTilecfgStartRow, 1, 0xf);
  out[out.size() - 2].codec = out.back().codec = Codec::kDerived;
  return out;
}

void fill(CpuImage& img, const Machine&, const PatternSource& src, Shape shape) {
  std::memset(img.tilecfg, 0, sizeof img.tilecfg);
  switch (shape) {
    case Shape::kLanes: {
      // Seven values per field: the roles of one signal case get consecutive ones, and a
      // thread's or another process's role salts its own hash, so it does not repeat a handler's
      // shape in every field (role indices 57 and 1 are equal modulo 7).
      const uint64_t salt = src.role >= kRoleThread0 ? uint64_t{src.role} << 8 : 0;
      img.tilecfg[kTilecfgPalette] = 1;
      for (unsigned t = 0; t < kAmxTiles; ++t)
        set_tile_shape(
            img.tilecfg, t,
            static_cast<unsigned>(narrow_value(src, salt + 0x7100 + t, kRowsFree, 0, {0})),
            static_cast<unsigned>(narrow_value(src, salt + 0x7180 + t, kColsbFree, 0, {0})));
      break;
    }
    case Shape::kZero:  // palette 0: the init state, no tile configured
      break;
    case Shape::kSpecial:  // the extremes: even tiles full, odd tiles unconfigured
      img.tilecfg[kTilecfgPalette] = 1;
      for (unsigned t = 0; t < kAmxTiles; t += 2)
        set_tile_shape(img.tilecfg, t, kAmxMaxRows, kAmxMaxColsb);
      break;
  }
}

void init(CpuImage& img) {
  std::memset(img.tilecfg, 0, sizeof img.tilecfg);
}

AsmRoutine loader(const Machine&) {
  return sigctx_amx_tilecfg_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_amx_tilecfg_store;
}

}  // namespace

const ComponentDescriptor kAmxTilecfgComponent = {
    .id = ComponentId::kAmxTilecfg,
    .name = "amx_tilecfg",
    .description = "AMX TILECFG: palette and tile shapes",
    .xsave_index = 17,
    .availability = amx_state_available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .prepare = prepare_amx,
};

}  // namespace sigctx
