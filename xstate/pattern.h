// Lane-unique patterns. Every 64-bit lane of every register gets a distinct value that encodes
// where it came from, so a wrong value can be traced back to its source ("ymm7 lane 2 of the
// handler's pattern", "thread 2's pattern"). The layout reads directly in hex:
//
//   63      52 51    40 39   32 31   24 23   16 15    8 7     0
//   [ 0x5ac  ][ seed  ][ role ][ gen  ][ comp ][ reg  ][ lane ]
//
// e.g. 0x5ac1d2 01 03 05 07 02 is ymm7 lane 2 (comp 5 = avx) of handler level 1, generation 3,
// in the run whose seed tag is 0x1d2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sigctx {

// Numbered in registration (load) order, from xstate/components/components.inc.
enum class ComponentId : uint8_t {
#define SIGCTX_COMPONENT(Name) k##Name,
#define SIGCTX_BOUND_COMPONENT(Name) k##Name,
#include "xstate/components/components.inc"
#undef SIGCTX_COMPONENT
#undef SIGCTX_BOUND_COMPONENT
  kCount,
};
constexpr unsigned kComponentCount = static_cast<unsigned>(ComponentId::kCount);

// A set of components as a bit mask indexed by ComponentId.
using ComponentMask = uint32_t;
constexpr ComponentMask component_bit(ComponentId id) {
  return 1u << static_cast<unsigned>(id);
}

// Who wrote a value. The classifier maps roles to classes: handler roles leak as `handler`,
// thread and process slots as `foreign`.
enum Role : uint8_t {
  kRoleMain = 0x00,      // the interrupted code
  kRoleHandler1 = 0x01,  // the signal handler at nesting level 1 (level n = 0x0n)
  kRoleEdit = 0x10,      // values a handler wrote into a signal frame
  kRoleThread0 = 0x20,   // sibling thread n = 0x20 + n
  kRoleProcess0 = 0x40,  // other process n = 0x40 + n
};
inline uint8_t handler_role(unsigned level) {
  return static_cast<uint8_t>(kRoleHandler1 + level - 1);
}
std::string role_name(uint8_t role);

// Interesting shapes of state, beside lane-unique values.
enum class Shape : uint8_t {
  kLanes,    // every lane distinct
  kZero,     // the component's init values, loaded with ordinary instructions
  kSpecial,  // special values: x87 NaN/inf/denormal/pseudo-denormal, MXCSR with FTZ|DAZ
};
const char* shape_name(Shape s);

struct PatternSource {
  uint16_t seed_tag = 0;  // 12 bits derived from the run seed
  uint8_t role = kRoleMain;
  uint8_t generation = 0;
  bool operator==(const PatternSource&) const = default;
};

constexpr uint64_t kPatternMagic = 0x5ac;

// 12-bit tag of a run seed, mixed so that nearby seeds give different tags.
uint16_t seed_tag(uint64_t seed);
// A well-mixed 64-bit hash, for deriving per-iteration seeds and narrow register values.
uint64_t mix64(uint64_t x);

struct LaneOrigin {
  PatternSource source;
  uint8_t component = 0;
  uint8_t reg = 0;
  uint8_t lane = 0;
  bool operator==(const LaneOrigin&) const = default;
};

uint64_t encode_lane(const PatternSource& src, ComponentId comp, unsigned reg, unsigned lane);
// Decodes a full structured lane; nullopt when the value does not carry the magic.
std::optional<LaneOrigin> decode_lane(uint64_t value);

// FS/GS base must be a canonical user address (bits 63..47 clear), so they carry a shorter
// encoding: bits 46..40 = 0x2c, then role, generation, component, register, lane. No seed tag.
constexpr uint64_t kCanonicalMagic = 0x2c;
uint64_t encode_canonical(const PatternSource& src, ComponentId comp, unsigned reg);
std::optional<LaneOrigin> decode_canonical(uint64_t value);

// "ymm7 lane 2 of handler level 1's pattern (generation 3)".
// `edit_writer` names the kRoleEdit role: "the frame edit", or "the tracer's write".
std::string describe_origin(const LaneOrigin& o, const std::string& edit_writer = "the frame edit");

}  // namespace sigctx
