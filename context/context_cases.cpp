#include "context/context_cases.h"

#include <fmt/format.h>

#include "context/context_api.h"
#include "context/context_transition.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

CaseDescriptor make_case(const ContextTransitionRow& row, const ContextTransition& t,
                         std::string variant, std::string description, ComponentMask mask) {
  CaseDescriptor d;
  d.id = fmt::format("context/{}/{}", t.name(), variant);
  d.description = fmt::format("{}: {}", description, t.what());
  d.guards = t.guards();
  d.transition = fmt::format("context/{}", t.name());
  d.handler = t.handler();
  d.injector = t.injector();
  d.routine = t.routine();
  d.components = mask;
  d.applicable = [mask](const Machine& m) {
    if (Availability a = context_api_available(); !a.ok) return a;
    return components_available(mask, m);
  };
  d.run = [make = row.make, mask](const CaseContext& ctx, CaseResult& r) {
    const std::unique_ptr<ContextTransition> fresh = make();
    run_context_case(*fresh, mask, ctx, r);
  };
  return d;
}

}  // namespace

std::vector<CaseDescriptor> context_cases() {
  std::vector<CaseDescriptor> cases;
  for (const ContextTransitionRow& row : context_transitions()) {
    const std::unique_ptr<ContextTransition> t = row.make();
    for (const ComponentDescriptor* c : all_components()) {
      if (c->id == ComponentId::kRflags) continue;  // a call preserves no status flag
      cases.push_back(make_case(row, *t, std::string(c->name), std::string(c->description),
                                component_bit(c->id)));
    }
    cases.push_back(make_case(row, *t, "all", "every available component at once", 0));
  }
  return cases;
}

}  // namespace sigctx
