// The table of context transitions, generated from transitions.inc.
#include "context/context_transition.h"

namespace sigctx {

#define SIGCTX_CONTEXT_TRANSITION(x) std::unique_ptr<ContextTransition> make_##x##_transition();
#include "context/transitions/transitions.inc"
#undef SIGCTX_CONTEXT_TRANSITION

const std::vector<ContextTransitionRow>& context_transitions() {
  static const std::vector<ContextTransitionRow> rows = {
#define SIGCTX_CONTEXT_TRANSITION(x) {make_##x##_transition},
#include "context/transitions/transitions.inc"
#undef SIGCTX_CONTEXT_TRANSITION
  };
  return rows;
}

}  // namespace sigctx
