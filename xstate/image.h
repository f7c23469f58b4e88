// CpuImage: every register sigctx loads, holds and checks, in one fixed layout that the
// hand-written assembly reads and writes (offsets in image_layout.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "xstate/image_layout.h"

// The mask xsave_other's routines use (xstate/components/xsave_other.h); every image carries a
// copy.
extern "C" uint64_t sigctx_xsave_other_rfbm;

namespace sigctx {

enum Gpr : unsigned {
  kRax = 0,
  kRcx,
  kRdx,
  kRbx,
  kRsp,
  kRbp,
  kRsi,
  kRdi,
  kR8,
  kR9,
  kR10,
  kR11,
  kR12,
  kR13,
  kR14,
  kR15,
};

const char* gpr_name(unsigned index);

struct alignas(64) CpuImage {
  uint64_t gpr[16];
  uint64_t rflags;
  uint64_t fsbase;
  uint64_t gsbase;
  uint32_t mxcsr;
  uint32_t pkru;
  uint64_t opmask[8];
  uint16_t x87_fcw;
  uint16_t x87_fsw;
  uint8_t x87_ftw;  // abridged: bit i set = physical register i valid
  uint8_t pad0;
  uint16_t x87_depth;
  uint16_t x87_fop;
  uint8_t pad1[6];
  uint64_t x87_fip;
  uint64_t x87_fdp;
  uint8_t x87_st[8][16];  // ST(0)..ST(7), 10 bytes used
  uint64_t host_fsbase;
  uint64_t host_gsbase;
  uint64_t xinuse;
  uint64_t rsp_before;
  uint64_t init_mask;
  uint64_t xgen_rfbm = sigctx_xsave_other_rfbm;
  uint8_t pad2[IMG_ZMM - IMG_XGEN_RFBM - 8];
  uint8_t zmm[32][64];
  alignas(64) uint8_t scratch[512];
  uint8_t tilecfg[64];
  uint8_t tiles[8][IMG_TILE_BYTES];
  uint8_t xsave_other[IMG_XGEN_BYTES];
  alignas(64) uint8_t ext[IMG_EXT_BYTES];

  void clear() {
    std::memset(static_cast<void*>(this), 0, sizeof(*this));
    xgen_rfbm = sigctx_xsave_other_rfbm;
  }
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this); }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(this); }
};

static_assert(offsetof(CpuImage, gpr) == IMG_GPR);
static_assert(offsetof(CpuImage, rflags) == IMG_RFLAGS);
static_assert(offsetof(CpuImage, fsbase) == IMG_FSBASE);
static_assert(offsetof(CpuImage, gsbase) == IMG_GSBASE);
static_assert(offsetof(CpuImage, mxcsr) == IMG_MXCSR);
static_assert(offsetof(CpuImage, pkru) == IMG_PKRU);
static_assert(offsetof(CpuImage, opmask) == IMG_OPMASK);
static_assert(offsetof(CpuImage, x87_fcw) == IMG_X87_FCW);
static_assert(offsetof(CpuImage, x87_fsw) == IMG_X87_FSW);
static_assert(offsetof(CpuImage, x87_ftw) == IMG_X87_FTW);
static_assert(offsetof(CpuImage, x87_depth) == IMG_X87_DEPTH);
static_assert(offsetof(CpuImage, x87_fop) == IMG_X87_FOP);
static_assert(offsetof(CpuImage, x87_fip) == IMG_X87_FIP);
static_assert(offsetof(CpuImage, x87_fdp) == IMG_X87_FDP);
static_assert(offsetof(CpuImage, x87_st) == IMG_X87_ST);
static_assert(offsetof(CpuImage, host_fsbase) == IMG_HOST_FSBASE);
static_assert(offsetof(CpuImage, host_gsbase) == IMG_HOST_GSBASE);
static_assert(offsetof(CpuImage, xinuse) == IMG_XINUSE);
static_assert(offsetof(CpuImage, rsp_before) == IMG_RSP_BEFORE);
static_assert(offsetof(CpuImage, init_mask) == IMG_INIT_MASK);
static_assert(offsetof(CpuImage, xgen_rfbm) == IMG_XGEN_RFBM);
static_assert(offsetof(CpuImage, zmm) == IMG_ZMM);
static_assert(offsetof(CpuImage, scratch) == IMG_SCRATCH);
static_assert(offsetof(CpuImage, tilecfg) == IMG_TILECFG);
static_assert(offsetof(CpuImage, tiles) == IMG_TILES);
static_assert(offsetof(CpuImage, xsave_other) == IMG_XGEN);
static_assert(offsetof(CpuImage, ext) == IMG_EXT);
static_assert(IMG_XGEN % 64 == 0, "XRSTOR/XSAVE need a 64-byte aligned area");
static_assert(sizeof(CpuImage) == IMG_SIZE);

}  // namespace sigctx
