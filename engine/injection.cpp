#include "engine/injection.h"

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

const char* handler_action_name(HandlerAction t) {
  switch (t) {
    case HandlerAction::kNone:
      return "none";
    case HandlerAction::kClobber:
      return "clobber";
    case HandlerAction::kNested:
      return "nested clobbering signal";
    case HandlerAction::kEdit:
      return "frame edit";
    case HandlerAction::kRecordFrame:
      return "frame record";
    case HandlerAction::kCheckFrame:
      return "frame check";
    case HandlerAction::kYield:
      return "sched_yield, clobber";
  }
  return "?";
}

}  // namespace sigctx
