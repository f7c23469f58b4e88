#include "xstate/init_state.h"

#include "xstate/component_registry.h"

namespace sigctx {

ComponentMask init_loadable(const Machine& m, ComponentMask wanted) {
  if (!m.features.osxsave || m.xcr0 == 0) return 0;
  ComponentMask out = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((wanted & component_bit(c->id)) && c->xsave_index >= 0 && c->xstate_bv_governs &&
        m.xcr0_has(static_cast<unsigned>(c->xsave_index)) && c->availability(m).ok)
      out |= component_bit(c->id);
  return out;
}

uint64_t xsave_init_mask(ComponentMask components) {
  uint64_t mask = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((components & component_bit(c->id)) && c->xsave_index >= 0) mask |= 1ull << c->xsave_index;
  return mask;
}

}  // namespace sigctx
