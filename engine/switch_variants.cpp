#include "engine/switch_variants.h"

#include <fmt/format.h>

#include "xstate/component_registry.h"

namespace sigctx {

std::vector<SwitchVariant> switch_variants() {
  std::vector<SwitchVariant> v;
  for (const ComponentDescriptor* c : all_components())
    v.push_back({std::string(c->name), component_bit(c->id), false,
                 fmt::format("{}, lane patterns in even units and init values in odd ones",
                             c->description)});
  v.push_back({"all", 0, false, "every available component, lane patterns in every unit"});
  v.push_back({"all-mixed", 0, true,
               "every available component, lane patterns and init values alternating over units "
               "and components"});
  return v;
}

std::string held_description(const SwitchVariant& v) {
  for (const ComponentDescriptor* c : all_components())
    if (v.components == component_bit(c->id)) return std::string(c->description);
  return "every available component";
}

CaseDescriptor make_switch_case(std::string id, std::string description, const SwitchCaseSpec& spec,
                                const SwitchVariant& v) {
  auto has = [&](ComponentId c) { return v.components == 0 || (v.components & component_bit(c)); };
  // Units in the init state beside live ones: the null-selector trigger.
  const bool alternating = v.components != 0 || v.mixed;
  CaseDescriptor d;
  d.id = std::move(id);
  d.description = std::move(description);
  if (alternating && (has(ComponentId::kFsbase) || has(ComponentId::kGsbase)))
    d.guards.push_back("amd-nullsel-base");
  if (has(ComponentId::kSse)) d.guards.push_back("lazyfp");
  if (has(ComponentId::kAvx)) d.guards.push_back("zenbleed");
  d.transition = fmt::format("{}/{}", spec.unit == SwitchUnit::kThread ? "switch" : "process",
                             switch_mode_name(spec.mode));
  d.handler = "none";
  d.injector = "";
  d.routine = "sigctx_hold";
  d.components = v.components;
  const ComponentMask mask = v.components;
  d.applicable = [mask](const Machine& m) { return components_available(mask, m); };
  d.run = [spec](const CaseContext& ctx, CaseResult& r) { run_switch_case(spec, ctx, r); };
  return d;
}

ReproducerPlan variant_reproducer(const SwitchVariant& v, const std::string& id, const char* driver,
                                  const char* points) {
  ReproducerPlan p;
  if (v.mixed) {
    p.unsupported = fmt::format("variant {}: reproducers load lane patterns only", v.name);
    return p;
  }
  p.driver = driver;
  p.what = fmt::format("{}: {}", id, held_description(v));
  p.checked = v.components;
  p.emulation_points = points;
  return p;
}

}  // namespace sigctx
