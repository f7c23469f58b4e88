#include "xstate/component_registry.h"

#include <fmt/format.h>
#include <array>
#include <cstdio>
#include <cstdlib>

#include "probes/xsave_layout.h"
#include "xstate/components/components.h"
#include "xstate/components/xsave_other.h"

namespace sigctx {

namespace {
// In load order (see ComponentDescriptor): components.inc, one line per component.
constexpr std::array<const ComponentDescriptor*, kComponentCount> kComponents = {
#define SIGCTX_COMPONENT(Name) &k##Name##Component,
#define SIGCTX_BOUND_COMPONENT(Name) &k##Name##Component,
#include "xstate/components/components.inc"
#undef SIGCTX_COMPONENT
#undef SIGCTX_BOUND_COMPONENT
};
}  // namespace

std::span<const ComponentDescriptor* const> all_components() {
  return kComponents;
}

const ComponentDescriptor* find_component(ComponentId id) {
  for (const auto* c : kComponents)
    if (c->id == id) return c;
  return nullptr;
}

const ComponentDescriptor* find_component(std::string_view name) {
  for (const auto* c : kComponents)
    if (c->name == name) return c;
  return nullptr;
}

const ComponentDescriptor& component(ComponentId id) {
  return *find_component(id);
}

ComponentMask available_components(const Machine& m) {
  ComponentMask mask = 0;
  for (const auto* c : kComponents)
    if (c->availability(m).ok) mask |= component_bit(c->id);
  return mask;
}

Availability components_available(ComponentMask mask, const Machine& m) {
  for (const ComponentDescriptor* c : all_components()) {
    if (!(mask & component_bit(c->id))) continue;
    const Availability a = c->availability(m);
    if (!a.ok) return Availability::no(fmt::format("{}: {}", c->name, a.reason));
  }
  return Availability::yes();
}

Availability prepare_components(const Machine& m, ComponentMask mask) {
  for (const auto* c : kComponents) {
    if (!(mask & component_bit(c->id)) || !c->prepare) continue;
    if (Availability a = c->prepare(m); !a.ok)
      return Availability::no(fmt::format("{}: {}", c->name, a.reason));
  }
  return Availability::yes();
}

uint64_t covered_xsave_mask() {
  uint64_t mask = 0;
  for (const auto* c : kComponents)
    if (c->xsave_index >= 0) mask |= uint64_t{1} << c->xsave_index;
  return mask;
}

uint64_t uncovered_xcr0_components(const Machine& m) {
  return m.xcr0 & ~covered_xsave_mask();
}

std::string uncovered_xcr0_text(const Machine& m) {
  const uint64_t u = uncovered_xcr0_components(m);
  if (!u) return "";
  std::string bits;
  for (unsigned i = 0; i < 64; ++i)
    if ((u >> i) & 1) bits += (bits.empty() ? "" : ", ") + std::to_string(i);
  return fmt::format("{} (XCR0 bit{} {})", xsave_mask_names(u),
                     bits.find(',') == std::string::npos ? "" : "s", bits);
}

std::string generic_xcr0_line(const Machine& m) {
  const int i = kXsaveOtherComponent.xsave_index;
  if (i < 0 || !m.xcr0_has(static_cast<unsigned>(i))) return "";
  return fmt::format(
      "XCR0 components checked only through XRSTOR and XSAVE (xsave_other): {} (XCR0 bit {})\n",
      xsave_component_name(static_cast<unsigned>(i)), i);
}

namespace {
struct SlotTable {
  std::array<uint16_t, kComponentCount> offset{};
  unsigned used = 0;
};
const SlotTable& slot_table() {
  static const SlotTable table = [] {
    SlotTable t;
    for (const auto* c : kComponents) {
      if (!c->slot_bytes) continue;
      t.offset[static_cast<unsigned>(c->id)] = static_cast<uint16_t>(IMG_EXT + t.used);
      t.used += (c->slot_bytes + 63u) & ~63u;
    }
    if (t.used > IMG_EXT_BYTES) {
      fmt::print(stderr, "sigctx: the components' slots need {} bytes; IMG_EXT_BYTES is {}\n",
                 t.used, IMG_EXT_BYTES);
      abort();
    }
    return t;
  }();
  return table;
}
}  // namespace

uint16_t image_slot(const ComponentDescriptor& c) {
  return slot_table().offset[static_cast<unsigned>(c.id)];
}

unsigned image_slot_bytes_used() {
  return slot_table().used;
}

namespace {
struct ComponentGroup {
  const char* name;
  bool (*member)(const ComponentDescriptor& c);
};
constexpr ComponentGroup kGroups[] = {
    {"xsave-extended",
     [](const ComponentDescriptor& c) {
       return c.xsave_index >= 2 || c.id == ComponentId::kXsaveOther;
     }},
};
}  // namespace

std::vector<const ComponentDescriptor*> component_group(std::string_view name) {
  std::vector<const ComponentDescriptor*> out;
  for (const ComponentGroup& g : kGroups)
    if (name == g.name)
      for (const auto* c : kComponents)
        if (g.member(*c)) out.push_back(c);
  return out;
}

std::vector<std::string> component_group_names() {
  std::vector<std::string> out;
  for (const ComponentGroup& g : kGroups)
    out.emplace_back(g.name);
  return out;
}

std::string component_names(ComponentMask mask) {
  std::string out;
  for (const auto* c : kComponents) {
    if (!(mask & component_bit(c->id))) continue;
    if (!out.empty()) out += ",";
    out += c->name;
  }
  return out;
}

const std::vector<Field>& fields_of(const ComponentDescriptor& c, const Machine& m) {
  // xsave_other's fields follow the component it is bound to, not the machine passed in.
  if (c.id == ComponentId::kXsaveOther) return bound_xsave_other_fields();
  using Table = std::array<std::array<std::vector<Field>, 2>, kComponentCount>;
  static const Table table = [] {
    Table t;
    for (int bw = 0; bw < 2; ++bw) {
      Machine variant;
      variant.features.avx512bw = bw;
      for (const auto* comp : kComponents)
        t[static_cast<unsigned>(comp->id)][bw] = comp->fields(variant);
    }
    return t;
  }();
  return table[static_cast<unsigned>(c.id)][m.features.avx512bw ? 1 : 0];
}

std::string register_name(const ComponentDescriptor& c, unsigned reg) {
  // Names never depend on the machine.
  static const Machine kAnyMachine{};
  for (const auto& f : fields_of(c, kAnyMachine))
    if (f.reg == reg && f.codec != Codec::kDerived) return f.name;
  return fmt::format("{}[{}]", c.name, reg);
}

}  // namespace sigctx
