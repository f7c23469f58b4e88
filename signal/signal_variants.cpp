// The variants every signal transition runs: each component alone, all of them, and the shapes
// that have hidden bugs (init values, mixed, x87 and MXCSR specials).
#include "signal/signal_transition.h"
#include "xstate/component_registry.h"

namespace sigctx {

std::vector<SignalVariant> signal_variants() {
  std::vector<SignalVariant> v;
  for (const ComponentDescriptor* c : all_components())
    v.push_back({std::string(c->name), component_bit(c->id), Shape::kLanes, false,
                 std::string(c->description)});
  v.push_back({"all", 0, Shape::kLanes, false, "every available component at once"});
  v.push_back(
      {"all-zero", 0, Shape::kZero, false, "every available component holding its init values"});
  v.push_back({"all-mixed", 0, Shape::kLanes, true,
               "components alternating between lane patterns and init values"});
  v.push_back({"x87-special", component_bit(ComponentId::kX87), Shape::kSpecial, false,
               "x87 NaN, infinity, denormal, pseudo-denormal and unnormal values, RC=0 PC=single"});
  v.push_back({"mxcsr-special", component_bit(ComponentId::kMxcsr), Shape::kSpecial, false,
               "MXCSR with every flag, FTZ, DAZ and round-toward-zero"});
  return v;
}

}  // namespace sigctx
