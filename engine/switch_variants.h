// The component variants switch/ and process/ share, and how a case of one is described.
#pragma once

#include "engine/reproducer.h"

#include <string>
#include <vector>

#include "engine/case.h"
#include "engine/switch_case_engine.h"

namespace sigctx {

struct SwitchVariant {
  std::string name;
  ComponentMask components = 0;  // 0 = every available component
  bool mixed = false;
  std::string description;
};

// Each component (units alternating lanes and init values), "all" (every component, lanes in
// every unit) and "all-mixed" (lanes and init values alternating over units and components).
std::vector<SwitchVariant> switch_variants();

// What one unit of a variant holds lane patterns in: the component's description, or "every
// available component".
std::string held_description(const SwitchVariant& v);

// The reproducer plan of a variant's case (engine/reproducer.h): `driver` with the variant's
// components, or why not (the mixed variant). `id` names the case in the program's comment;
// `points` are the emulation hooks the driver calls.
ReproducerPlan variant_reproducer(const SwitchVariant& v, const std::string& id, const char* driver,
                                  const char* points);

// A case descriptor for one mode and variant; guards name the catalog bugs whose trigger the
// variant has (init-state units beside live ones for amd-nullsel-base; XMM or YMM values for
// lazyfp and zenbleed).
CaseDescriptor make_switch_case(std::string id, std::string description, const SwitchCaseSpec& spec,
                                const SwitchVariant& v);

}  // namespace sigctx
