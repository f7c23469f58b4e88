// The rules AMX state lives by, shared by its two XSAVE components (amx_tilecfg, XCR0 bit 17;
// amx_tiledata, bit 18):
// - Linux enables tile data dynamically: a process must ask with arch_prctl(ARCH_REQ_XCOMP_PERM)
//   before its first tile instruction, or the kernel's XFD trap turns that instruction into
//   SIGILL. The permission belongs to the process, so threads share it and fork inherits it.
// - Tile data only exists under a valid TILECFG (palette 1): each tile has its own rows and
//   bytes per row, TILELOADD zeroes what lies outside them, TILESTORED writes only what lies
//   inside, and XSAVE saves whole 1 KiB tiles with the outside as zeros.
#pragma once

#include <cstdint>

#include "probes/machine.h"
#include "xstate/component.h"
#include "xstate/image_layout.h"

namespace sigctx {

constexpr unsigned kXfeatureXtiledata = 18;  // the dynamic one: Linux's XFEATURE_XTILE_DATA
constexpr unsigned kAmxTiles = 8;
constexpr unsigned kAmxMaxRows = 16;
constexpr unsigned kAmxMaxColsb = 64;

// TILECFG's 64-byte format (LDTILECFG, STTILECFG, XSAVE component 17).
constexpr unsigned kTilecfgPalette = 0;
constexpr unsigned kTilecfgStartRow = 1;
constexpr unsigned kTilecfgColsb = 16;               // uint16_t per tile
constexpr unsigned kTilecfgRows = IMG_TILECFG_ROWS;  // uint8_t per tile

// What both AMX components need from the CPU, the OS and the kernel. Permission is not part of
// it: it is asked for in the case's own process (prepare_amx).
Availability amx_state_available(const Machine& m);
// arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) in the calling process.
Availability prepare_amx(const Machine& m);

unsigned tile_rows(const uint8_t* tilecfg, unsigned tile);
unsigned tile_colsb(const uint8_t* tilecfg, unsigned tile);
void set_tile_shape(uint8_t* tilecfg, unsigned tile, unsigned rows, unsigned colsb);
// Palette 1, every tile 16 rows of 64 bytes: all of tile data is meaningful.
void set_full_tile_config(uint8_t* tilecfg);

}  // namespace sigctx
