#include "xstate/components/amx.h"

#include <fmt/format.h>
#include <cstring>

#include "xstate/components/common.h"

namespace sigctx {

namespace {
constexpr uint64_t kAmxXcr0Bits = (1ull << 17) | (1ull << 18);
}  // namespace

Availability amx_state_available(const Machine& m) {
  if (!m.features.amx_tile) return Availability::no("CPU lacks AMX-TILE");
  if (!m.features.osxsave) return Availability::no("OS did not enable XSAVE (CPUID OSXSAVE clear)");
  if ((m.xcr0 & kAmxXcr0Bits) != kAmxXcr0Bits)
    return Availability::no("XCR0 lacks bits 17-18 (OS did not enable AMX tile state)");
  if (!((m.xcomp_supp >> kXfeatureXtiledata) & 1))
    return Availability::no(
        "the kernel offers no AMX permission (ARCH_GET_XCOMP_SUPP lacks bit 18; Linux < 5.16?)");
  return Availability::yes();
}

Availability prepare_amx(const Machine& m) {
  if (Availability a = amx_state_available(m); !a.ok) return a;
  if (const int err = request_xcomp_permission(kXfeatureXtiledata))
    return Availability::no(fmt::format("arch_prctl(ARCH_REQ_XCOMP_PERM, {}) failed: {}",
                                        kXfeatureXtiledata, std::strerror(err)));
  return Availability::yes();
}

unsigned tile_rows(const uint8_t* tilecfg, unsigned tile) {
  return tilecfg[kTilecfgRows + tile];
}

unsigned tile_colsb(const uint8_t* tilecfg, unsigned tile) {
  uint16_t v;
  std::memcpy(&v, tilecfg + kTilecfgColsb + 2 * tile, 2);
  return v;
}

void set_tile_shape(uint8_t* tilecfg, unsigned tile, unsigned rows, unsigned colsb) {
  tilecfg[kTilecfgRows + tile] = static_cast<uint8_t>(rows);
  const uint16_t v = static_cast<uint16_t>(colsb);
  std::memcpy(tilecfg + kTilecfgColsb + 2 * tile, &v, 2);
}

void set_full_tile_config(uint8_t* tilecfg) {
  std::memset(tilecfg, 0, 64);
  tilecfg[kTilecfgPalette] = 1;
  for (unsigned t = 0; t < kAmxTiles; ++t)
    set_tile_shape(tilecfg, t, kAmxMaxRows, kAmxMaxColsb);
}

}  // namespace sigctx
