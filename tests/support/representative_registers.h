// The register each component's mutation tests break, from the component registry
// (ComponentDescriptor::representative_register): a new component is in every mutation table
// the moment it is registered.
#pragma once

#include <utility>
#include <vector>

#include "xstate/component_registry.h"

namespace sigctx::test {

// {component, register} for every registered component that names one, in registration order.
inline std::vector<std::pair<const char*, const char*>> representative_registers() {
  std::vector<std::pair<const char*, const char*>> out;
  for (const ComponentDescriptor* c : all_components())
    if (!c->representative_register.empty())
      out.emplace_back(c->name.data(), c->representative_register.data());
  return out;
}

}  // namespace sigctx::test
