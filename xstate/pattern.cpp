#include "xstate/pattern.h"

#include <fmt/format.h>

#include "xstate/component_registry.h"

namespace sigctx {

uint64_t mix64(uint64_t x) {
  // splitmix64 finaliser: a bijection, so distinct inputs stay distinct.
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint16_t seed_tag(uint64_t seed) {
  return static_cast<uint16_t>(mix64(seed) & 0xfff);
}

uint64_t encode_lane(const PatternSource& src, ComponentId comp, unsigned reg, unsigned lane) {
  return (kPatternMagic << 52) | (static_cast<uint64_t>(src.seed_tag & 0xfff) << 40) |
         (static_cast<uint64_t>(src.role) << 32) | (static_cast<uint64_t>(src.generation) << 24) |
         (static_cast<uint64_t>(comp) << 16) | (static_cast<uint64_t>(reg & 0xff) << 8) |
         (lane & 0xff);
}

std::optional<LaneOrigin> decode_lane(uint64_t v) {
  if ((v >> 52) != kPatternMagic) return std::nullopt;
  LaneOrigin o;
  o.source.seed_tag = (v >> 40) & 0xfff;
  o.source.role = (v >> 32) & 0xff;
  o.source.generation = (v >> 24) & 0xff;
  o.component = (v >> 16) & 0xff;
  o.reg = (v >> 8) & 0xff;
  o.lane = v & 0xff;
  if (o.component >= kComponentCount) return std::nullopt;
  return o;
}

uint64_t encode_canonical(const PatternSource& src, ComponentId comp, unsigned reg) {
  return (kCanonicalMagic << 40) | (static_cast<uint64_t>(src.role) << 32) |
         (static_cast<uint64_t>(src.generation) << 24) | (static_cast<uint64_t>(comp) << 16) |
         (static_cast<uint64_t>(reg & 0xff) << 8);
}

std::optional<LaneOrigin> decode_canonical(uint64_t v) {
  if ((v >> 40) != kCanonicalMagic) return std::nullopt;
  LaneOrigin o;
  o.source.role = (v >> 32) & 0xff;
  o.source.generation = (v >> 24) & 0xff;
  o.component = (v >> 16) & 0xff;
  o.reg = (v >> 8) & 0xff;
  o.lane = v & 0xff;
  if (o.component >= kComponentCount) return std::nullopt;
  return o;
}

std::string role_name(uint8_t role) {
  if (role == kRoleMain) return "the interrupted code";
  if (role >= kRoleHandler1 && role < kRoleEdit) return fmt::format("handler level {}", role);
  if (role == kRoleEdit) return "the frame edit";
  if (role >= kRoleThread0 && role < kRoleProcess0)
    return fmt::format("thread {}", role - kRoleThread0);
  if (role >= kRoleProcess0 && role < 0x80) return fmt::format("process {}", role - kRoleProcess0);
  return fmt::format("role {:#x}", role);
}

const char* shape_name(Shape s) {
  switch (s) {
    case Shape::kLanes:
      return "lanes";
    case Shape::kZero:
      return "zero";
    case Shape::kSpecial:
      return "special";
  }
  return "?";
}

std::string describe_origin(const LaneOrigin& o, const std::string& edit_writer) {
  const auto* comp = find_component(static_cast<ComponentId>(o.component));
  std::string reg = comp ? register_name(*comp, o.reg) : fmt::format("register {}", o.reg);
  return fmt::format("{} lane {} of {}'s pattern (generation {})", reg, o.lane,
                     o.source.role == kRoleEdit ? edit_writer : role_name(o.source.role),
                     o.source.generation);
}

}  // namespace sigctx
