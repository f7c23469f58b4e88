// signal/sync: one signal raised by a raw tgkill SYSCALL from inside the hold, so the kernel
// saves the state at a known instruction; the handler clobbers every component.
#include "signal/signal_transition.h"

namespace sigctx {
namespace {

class Sync : public SignalTransition {
 public:
  const char* name() const override { return "sync"; }
  const char* handler() const override { return "clobber"; }
  const char* what() const override {
    return "a signal raised by a raw tgkill syscall; the handler clobbers every component and "
           "returns; the state must come back intact";
  }
};

}  // namespace

std::unique_ptr<SignalTransition> make_sync_transition() {
  return std::make_unique<Sync>();
}

}  // namespace sigctx
