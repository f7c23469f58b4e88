#include "signal/injection.h"

namespace sigctx {

const char* injector_name(Injector i) {
  switch (i) {
    case Injector::kStep:
      return "step";
    case Injector::kHwbp:
      return "hwbp";
    case Injector::kInt3:
      return "int3";
    case Injector::kAsync:
      return "async";
  }
  return "?";
}

std::optional<Injector> parse_injector(const std::string& name) {
  for (Injector i : {Injector::kStep, Injector::kHwbp, Injector::kInt3, Injector::kAsync})
    if (name == injector_name(i)) return i;
  return std::nullopt;
}

const char* transition_name(BoundaryTransition t) {
  switch (t) {
    case BoundaryTransition::kNone:
      return "none";
    case BoundaryTransition::kClobber:
      return "clobber";
    case BoundaryTransition::kNested:
      return "nested clobbering signal";
    case BoundaryTransition::kEdit:
      return "frame edit";
    case BoundaryTransition::kRecordFrame:
      return "frame record";
    case BoundaryTransition::kCheckFrame:
      return "frame check";
    case BoundaryTransition::kYield:
      return "sched_yield, clobber";
  }
  return "?";
}

}  // namespace sigctx
