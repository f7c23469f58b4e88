#include "xstate/components/common.h"

#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

namespace sigctx {

std::vector<Field> vector_fields(const char* prefix, unsigned first, unsigned count,
                                 unsigned byte_lo, unsigned byte_hi, int xsave_base,
                                 unsigned xsave_stride) {
  std::vector<Field> out;
  const bool whole = byte_lo == 0 && byte_hi == 64 && std::string(prefix) == "zmm";
  for (unsigned n = first; n < first + count; ++n) {
    Field f;
    f.name = fmt::format("{}{}", prefix, n);
    if (!whole && !(byte_lo == 0 && byte_hi == 16))
      f.bits = fmt::format("[{}:{}]", byte_hi * 8 - 1, byte_lo * 8);
    f.offset = static_cast<uint16_t>(IMG_ZMM_REG(n) + byte_lo);
    f.size = static_cast<uint8_t>(byte_hi - byte_lo);
    f.lane_bytes = 8;
    f.first_lane = static_cast<uint8_t>(byte_lo / 8);
    f.reg = static_cast<uint8_t>(n);
    f.codec = Codec::kLane64;
    f.xsave_offset = xsave_base + static_cast<int>(xsave_stride * (n - first));
    f.xsave_size = f.size;
    out.push_back(f);
  }
  return out;
}

void fill_structured_fields(CpuImage& img, const std::vector<Field>& fields, ComponentId id,
                            const PatternSource& src, Shape shape) {
  for (const auto& f : fields) {
    uint8_t* p = img.bytes() + f.offset;
    switch (f.codec) {
      case Codec::kLane64:
        for (unsigned l = 0; l < f.lanes(); ++l) {
          uint64_t v = shape == Shape::kZero ? 0 : encode_lane(src, id, f.reg, f.first_lane + l);
          std::memcpy(p + 8 * l, &v, 8);
        }
        break;
      case Codec::kCanonical: {
        uint64_t v = shape == Shape::kZero ? 0 : encode_canonical(src, id, f.reg);
        std::memcpy(p, &v, 8);
        break;
      }
      default:
        break;  // narrow and derived fields belong to the component's own fill
    }
  }
}

namespace {

// Distinct small numbers for the roles that meet in one case, most important first, so that even
// a register with few values keeps the interrupted code, the level-1 handler, the frame edit
// and the level-2 handler apart.
uint64_t role_index(uint8_t role) {
  if (role == kRoleMain) return 0;
  if (role == kRoleHandler1) return 1;
  if (role == kRoleEdit) return 2;
  if (role > kRoleHandler1 && role < kRoleEdit) return 2 + (role - kRoleHandler1);  // level n
  if (role >= kRoleThread0 && role < kRoleProcess0) return 24 + (role - kRoleThread0);
  return 56 + (role & 0x3f);
}

// Software PDEP: scatter the low bits of value into the set bits of mask.
uint64_t deposit(uint64_t value, uint64_t mask) {
  uint64_t out = 0;
  for (uint64_t bit = 1; mask; bit <<= 1) {
    uint64_t lowest = mask & -mask;
    if (value & bit) out |= lowest;
    mask &= mask - 1;
  }
  return out;
}

uint64_t extract(uint64_t value, uint64_t mask) {
  uint64_t out = 0;
  for (uint64_t bit = 1; mask; bit <<= 1) {
    uint64_t lowest = mask & -mask;
    if (value & lowest) out |= bit;
    mask &= mask - 1;
  }
  return out;
}

}  // namespace

uint64_t narrow_value(const PatternSource& src, uint64_t salt, uint64_t free_bits,
                      uint64_t fixed_bits, std::initializer_list<uint64_t> excluded) {
  // Only combinations of even parity: a single flipped bit never turns one pattern value into
  // another, so it always classifies as a bitflip. The highest free bit carries the parity.
  const unsigned k = static_cast<unsigned>(__builtin_popcountll(free_bits));
  const uint64_t parity_bit = uint64_t{1} << (k - 1);
  const uint64_t index_bits = k - 1;
  const uint64_t combos = index_bits >= 63 ? ~0ull : (1ull << index_bits);
  auto even = [&](uint64_t index) {
    return index | (__builtin_popcountll(index) & 1 ? parity_bit : 0);
  };
  // Indices (combinations without the parity bit) that would produce an excluded value.
  std::vector<uint64_t> skip;
  for (uint64_t value : excluded) {
    const uint64_t combo = extract(value, free_bits);
    if ((value & ~free_bits) == fixed_bits && !(__builtin_popcountll(combo) & 1))
      skip.push_back(combo & (parity_bit - 1));
  }
  std::sort(skip.begin(), skip.end());
  skip.erase(std::unique(skip.begin(), skip.end()), skip.end());
  if (k < 2 || combos <= skip.size()) std::abort();  // a register with no room for a pattern
  const uint64_t count = combos - skip.size();
  const uint64_t h =
      mix64((uint64_t{src.seed_tag} << 24) ^ (uint64_t{src.generation} << 8) ^ (salt << 32));
  uint64_t index = (h + role_index(src.role)) % count;
  for (uint64_t s : skip)
    if (index >= s) ++index;
  return deposit(even(index), free_bits) | fixed_bits;
}

int request_xcomp_permission(unsigned feature) {
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, feature) == 0 ? 0 : errno;
}

bool always_applies(const CpuImage&, const Field&) {
  return true;
}

Availability avx512_state_available(const Machine& m) {
  if (!m.features.avx512f) return Availability::no("CPU lacks AVX512F");
  if (!m.features.osxsave) return Availability::no("OS did not enable XSAVE (CPUID OSXSAVE clear)");
  if ((m.xcr0 & 0xe6) != 0xe6)
    return Availability::no("XCR0 lacks bits 5-7 (OS did not enable AVX-512 state)");
  return Availability::yes();
}

}  // namespace sigctx
