// amx_tiledata: TMM0-7, 1 KiB each. Fields are tile rows (64 bytes, eight 64-bit lanes, lane
// number = row * 8 + lane), so a report reads "tmm3 [row 5] lane 42". Only the part of a tile
// that TILECFG configures holds the pattern; the rest is zero, as TILELOADD leaves it and XSAVE
// saves it.
#include <fmt/format.h>
#include <algorithm>

#include "xstate/components/amx.h"
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_amx_tiledata_load(sigctx::CpuImage*);
extern "C" void sigctx_amx_tiledata_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

std::vector<Field> fields(const Machine&) {
  std::vector<Field> out;
  for (unsigned t = 0; t < kAmxTiles; ++t) {
    for (unsigned r = 0; r < kAmxMaxRows; ++r) {
      Field f;
      f.name = fmt::format("tmm{}", t);
      f.bits = fmt::format("[row {}]", r);
      f.offset = static_cast<uint16_t>(IMG_TILE(t) + r * IMG_TILE_ROW_BYTES);
      f.size = IMG_TILE_ROW_BYTES;
      f.lane_bytes = 8;
      f.first_lane = static_cast<uint8_t>(r * 8);
      f.reg = static_cast<uint8_t>(t);
      f.codec = Codec::kLane64;
      f.xsave_offset = static_cast<int32_t>(t * IMG_TILE_BYTES + r * IMG_TILE_ROW_BYTES);
      f.xsave_size = IMG_TILE_ROW_BYTES;
      out.push_back(f);
    }
  }
  return out;
}

void fill(CpuImage& img, const Machine&, const PatternSource& src, Shape shape) {
  // The zero shape is the init state: no configuration, all tiles zero (the all-zero cases put
  // both AMX components there with XRSTOR).
  std::memset(img.tiles, 0, sizeof img.tiles);
  if (shape == Shape::kZero) return;
  // Tiles need a configuration. When amx_tilecfg is not part of the pattern the image gets the
  // full one, which the loader then uses: the image stays the one source of truth for what is
  // expected.
  if (img.tilecfg[kTilecfgPalette] == 0) set_full_tile_config(img.tilecfg);
  for (unsigned t = 0; t < kAmxTiles; ++t) {
    const unsigned rows = std::min(tile_rows(img.tilecfg, t), kAmxMaxRows);
    const unsigned colsb = std::min(tile_colsb(img.tilecfg, t), kAmxMaxColsb);
    for (unsigned r = 0; r < rows; ++r)
      for (unsigned byte = 0; byte < colsb; byte += 8) {
        // A row may end inside a lane (colsb a multiple of 4): that lane keeps its low bytes.
        const uint64_t v = encode_lane(src, ComponentId::kAmxTiledata, t, r * 8 + byte / 8);
        std::memcpy(img.tiles[t] + r * IMG_TILE_ROW_BYTES + byte, &v, std::min(8u, colsb - byte));
      }
  }
}

void init(CpuImage& img) {
  std::memset(img.tiles, 0, sizeof img.tiles);
}

// A row outside the expected configuration holds no state to compare (like an x87 register
// above the stack depth): TILESTORED does not write it. Without a configuration (palette 0, the
// init state) every row is compared: all of them must read as zero.
bool row_configured(const CpuImage& expected, const Field& f) {
  if (expected.tilecfg[kTilecfgPalette] == 0) return true;
  const unsigned row = f.first_lane / 8;
  return row < tile_rows(expected.tilecfg, f.reg) && tile_colsb(expected.tilecfg, f.reg) != 0;
}

AsmRoutine loader(const Machine&) {
  return sigctx_amx_tiledata_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_amx_tiledata_store;
}

}  // namespace

const ComponentDescriptor kAmxTiledataComponent = {
    .id = ComponentId::kAmxTiledata,
    .name = "amx_tiledata",
    .description = "AMX tile data TMM0-7",
    .xsave_index = 18,
    .availability = amx_state_available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = row_configured,
    .prepare = prepare_amx,
    .init_in_new_process = true,
};

}  // namespace sigctx
