// x87: FCW, FSW, the abridged tag word and ST(0)..ST(7). FIP, FDP and FOP are stored and
// reported but never compared: AMD saves them only with an exception pending and recent Intel
// CPUs deprecate FCS/FDS, so no platform promises them.
#include <fmt/format.h>

#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_x87_load(sigctx::CpuImage*);
extern "C" void sigctx_x87_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

constexpr uint16_t kFcwInit = 0x037f;
// Every exception stays masked (bits 0-5, bit 6 reads as one): a pattern must never make the
// next x87 instruction trap. Precision and rounding control carry the pattern.
constexpr uint64_t kFcwFixed = 0x007f;
constexpr uint64_t kFcwFree = 0x0f00;
constexpr uint16_t kFcwSpecial = 0x0c7f;  // round toward zero, single precision
// FSW bits a pattern sets: the exception flags (all masked by FCW, so nothing is pending) and
// the condition codes C0-C3. ES, B and SF stay clear; TOP follows the stack depth.
constexpr uint64_t kFswFree = 0x473f;

Availability available(const Machine&) {
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  std::vector<Field> out;
  auto add = [&](const char* name, uint16_t off, uint8_t size, Codec codec, int xoff) {
    Field f;
    f.name = name;
    f.offset = off;
    f.size = size;
    f.lane_bytes = size;
    f.codec = codec;
    f.xsave_offset = xoff;
    f.xsave_size = size;
    out.push_back(f);
  };
  add("fcw", IMG_X87_FCW, 2, Codec::kNarrow, 0);
  out.back().pattern_bits = kFcwFree;
  add("fsw", IMG_X87_FSW, 2, Codec::kNarrow, 2);
  out.back().pattern_bits = kFswFree;
  add("ftw", IMG_X87_FTW, 1, Codec::kNarrow, 4);
  out.back().pattern_bits = 0xff;
  for (unsigned i = 0; i < 8; ++i) {
    Field f;
    f.name = fmt::format("st{}", i);
    f.offset = static_cast<uint16_t>(IMG_X87_ST + 16 * i);
    f.size = 10;
    f.lane_bytes = 10;
    f.reg = static_cast<uint8_t>(i);
    f.codec = Codec::kX87Reg;
    f.xsave_offset = static_cast<int>(32 + 16 * i);
    f.xsave_size = 10;
    out.push_back(f);
  }
  return out;
}

void set_st(CpuImage& img, unsigned i, uint64_t significand, uint16_t sign_exponent) {
  std::memset(img.x87_st[i], 0, 16);
  std::memcpy(img.x87_st[i], &significand, 8);
  std::memcpy(img.x87_st[i] + 8, &sign_exponent, 2);
}

// TOP and the abridged tag word after FNINIT and `depth` pushes: TOP = 8 - depth, and the
// physical registers TOP..7 are valid. `status` holds FSW's other bits.
void set_depth(CpuImage& img, unsigned depth, uint16_t status) {
  img.x87_depth = static_cast<uint16_t>(depth);
  const unsigned top = (8 - depth) & 7;
  img.x87_fsw = static_cast<uint16_t>((top << 11) | status);
  img.x87_ftw = depth == 0 ? 0 : static_cast<uint8_t>(0xffu << top);
}

// Each role holds a different number of values, so TOP and the tag word differ between the
// interrupted code, the handler levels and a frame edit, and a leaked FSW or FTW shows.
unsigned depth_of(uint8_t role) {
  switch (role) {
    case kRoleMain:
      return 8;
    case kRoleHandler1:
      return 6;
    case kRoleHandler1 + 1:
      return 5;
    case kRoleEdit:
      return 4;
    default:
      return 7;
  }
}

void fill(CpuImage& img, const Machine&, const PatternSource& src, Shape shape) {
  switch (shape) {
    case Shape::kZero:
      img.x87_fcw = kFcwInit;
      set_depth(img, 0, 0);
      for (unsigned i = 0; i < 8; ++i)
        set_st(img, i, 0, 0);
      break;
    case Shape::kLanes: {
      img.x87_fcw = static_cast<uint16_t>(
          narrow_value(src, 0x87, kFcwFree, kFcwFixed, {kFcwInit, kFcwSpecial}));
      const unsigned depth = depth_of(src.role);
      set_depth(img, depth, static_cast<uint16_t>(narrow_value(src, 0x5f, kFswFree, 0, {0})));
      for (unsigned i = 0; i < 8; ++i) {
        // Explicit integer bit set and a biased exponent near 1.0: a normal number whose
        // significand carries the lane pattern. Registers above the depth stay empty.
        const uint64_t sig = encode_lane(src, ComponentId::kX87, i, 0) | (1ull << 63);
        const uint16_t se = static_cast<uint16_t>(((i & 1) << 15) | (0x3f00 + src.generation));
        if (i < depth)
          set_st(img, i, sig, se);
        else
          set_st(img, i, 0, 0);
      }
      break;
    }
    case Shape::kSpecial: {
      img.x87_fcw = kFcwSpecial;
      set_depth(img, 8, kFswFree);  // every condition code and (masked) exception flag
      const uint64_t p = encode_lane(src, ComponentId::kX87, 0, 0) & 0x3fffffffffffffffull;
      set_st(img, 0, 0, 0x0000);                              // +0
      set_st(img, 1, 0x8000000000000000ull, 0xffff);          // -infinity
      set_st(img, 2, 0xc000000000000000ull | p, 0x7fff);      // QNaN with a payload
      set_st(img, 3, 0x8000000000000000ull | p | 1, 0xffff);  // SNaN
      set_st(img, 4, p, 0x0000);                              // denormal
      set_st(img, 5, 0x8000000000000000ull | p, 0x8000);      // pseudo-denormal
      set_st(img, 6, p, 0x4001);                              // unnormal
      set_st(img, 7, ~0ull, 0x7ffe);                          // largest normal
      break;
    }
  }
}

void init(CpuImage& img) {
  img.x87_fcw = kFcwInit;
  set_depth(img, 0, 0);
  for (unsigned i = 0; i < 8; ++i)
    set_st(img, i, 0, 0);
}

// ST(i) holds a value only when its physical register ((TOP + i) mod 8) is tagged valid; empty
// registers carry nothing the OS must keep (XRSTOR of an init x87 component may zero them).
bool applies(const CpuImage& expected, const Field& f) {
  if (f.codec != Codec::kX87Reg) return true;
  const unsigned top = (expected.x87_fsw >> 11) & 7;
  return (expected.x87_ftw >> ((top + f.reg) & 7)) & 1;
}

AsmRoutine loader(const Machine&) {
  return sigctx_x87_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_x87_store;
}

}  // namespace

const ComponentDescriptor kX87Component = {
    .id = ComponentId::kX87,
    .name = "x87",
    .description = "x87 FPU: ST0-7, FCW, FSW, FTW (FIP/FDP/FOP reported, not compared)",
    .xsave_index = 0,
    .availability = available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = applies,
    .representative_register = "st3",
};

}  // namespace sigctx
