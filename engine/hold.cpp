#include "engine/hold.h"

#include "xstate/component_registry.h"

namespace sigctx {

namespace {
RoutineList routines_for(const Machine& m, ComponentMask mask, bool loaders) {
  RoutineList list;
  size_t n = 0;
  for (const ComponentDescriptor* c : all_components()) {
    if (!(mask & component_bit(c->id))) continue;
    auto get = loaders ? c->loader : c->storer;
    if (!get) continue;  // gpr and rflags: the driver's own
    list.fns[n++] = {get(m), image_slot(*c)};
  }
  list.fns[n] = {};
  return list;
}
}  // namespace

RoutineList loaders_for(const Machine& m, ComponentMask mask) {
  return routines_for(m, mask, true);
}
RoutineList stores_for(const Machine& m, ComponentMask mask) {
  return routines_for(m, mask, false);
}

uint64_t default_hold_options(const Machine& m) {
  uint64_t o = 0;
  if (m.xsave.xgetbv1 && m.features.osxsave) o |= PLAN_OPT_XINUSE;
  if (m.features.pku && m.features.ospke) o |= PLAN_OPT_PKRU;
  if (m.features.avx && m.features.osxsave && (m.xcr0 & 0x6) == 0x6) o |= PLAN_OPT_VZEROUPPER;
  return o;
}

}  // namespace sigctx
