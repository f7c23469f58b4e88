// The table of signal transitions, generated from transitions.inc.
#include "signal/signal_transition.h"

namespace sigctx {

#define SIGCTX_SIGNAL_TRANSITION(x) std::unique_ptr<SignalTransition> make_##x##_transition();
#include "signal/transitions/transitions.inc"
#undef SIGCTX_SIGNAL_TRANSITION

const std::vector<SignalTransitionRow>& signal_transitions() {
  static const std::vector<SignalTransitionRow> rows = {
#define SIGCTX_SIGNAL_TRANSITION(x) {make_##x##_transition},
#include "signal/transitions/transitions.inc"
#undef SIGCTX_SIGNAL_TRANSITION
  };
  return rows;
}

}  // namespace sigctx
