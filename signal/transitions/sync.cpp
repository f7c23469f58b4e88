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
  ReproducerHooks reproducer_hooks() const override {
    return {
        "#define SIGNO SIGUSR1\n#define PER_HOLD 1\n#define EXPECT MAIN\n#define EXPECT_INIT 0u\n",
        R"C(
/* signal/sync: the signal comes from a tgkill system call made while the state is held. */
static void set_up(struct sigaction *sa) { (void)sa; }
static void arm(void) { arm_tgkill(SIGNO); }
static void disarm(void) {}
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs) { return (void)lv, (void)uc, (void)xs, 1; }
)C"};
  }
};

}  // namespace

std::unique_ptr<SignalTransition> make_sync_transition() {
  return std::make_unique<Sync>();
}

}  // namespace sigctx
