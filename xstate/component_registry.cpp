#include "xstate/component_registry.h"

#include <fmt/format.h>
#include <array>

#include "xstate/components/components.h"

namespace sigctx {

namespace {
// Load order matters: see ComponentDescriptor. One line per component.
constexpr std::array<const ComponentDescriptor*, kComponentCount> kComponents = {
    &kGprComponent,     &kRflagsComponent, &kX87Component,    &kMxcsrComponent,
    &kSseComponent,     &kAvxComponent,    &kOpmaskComponent, &kZmmHi256Component,
    &kHi16ZmmComponent, &kPkruComponent,   &kFsbaseComponent, &kGsbaseComponent,
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
