// signal/async: a sibling thread's tgkill storm interrupts a spin loop at whatever instruction
// it reaches: the preemption signal of Go (SIGURG) and of every runtime that preempts this way.
#include "engine/sender.h"
#include "signal/signal_transition.h"

namespace sigctx {
namespace {

class Async : public SignalTransition {
 public:
  const char* name() const override { return "async"; }
  const char* handler() const override { return "clobber"; }
  const char* injector() const override { return "sibling-thread tgkill storm"; }
  const char* what() const override {
    return "a sibling thread delivers 256 signals while the state is held in a spin loop; each "
           "handler clobbers every component";
  }
  void add_guards(const SignalVariant& v, std::vector<std::string>& g) const override {
    if (v.has(ComponentId::kOpmask)) g.push_back("darwin-opmask");
  }
  bool spins() const override { return true; }
  unsigned iterations() const override { return kAsyncIterations; }

  bool fire(SignalRun& run, CaseResult& r) override {
    HandlerPlan& plan = run.plan;
    plan.spin_target = kAsyncSignalsPerIteration;
    plan.spin_exited.store(false);
    plan.delivered_in_spin.store(0);
    __atomic_store_n(&sigctx_spin_armed, 0, __ATOMIC_RELEASE);
    SignalSender sender(run.tid, kPrimarySignal, plan.delivered[1], plan.spin_exited);
    sender.start();
    sigctx_hold(run.img.in.get(), run.img.out.get(), &run.hold);
    sender.join();
    if (!sender.error().empty()) {
      r.set_error(sender.error());
      return false;
    }
    run.intended += kAsyncSignalsPerIteration;
    return true;
  }
  ReproducerHooks reproducer_hooks() const override {
    return {
        "#include <pthread.h>\n#define SIGNO SIGUSR1\n#define PER_HOLD 64\n#define EXPECT "
        "MAIN\n#define EXPECT_INIT 0u\n",
        R"C(
/* signal/async: a sibling thread sends SIGNO with tgkill as fast as it can while the state is
 * held in a spin loop, which ends after PER_HOLD deliveries that interrupted it. */
static pid_t main_tid;
static pthread_t sender_thread;
static void *sender(void *arg) {
  (void)arg;
  while (!spin_flag) syscall(SYS_tgkill, getpid(), main_tid, SIGNO);
  return NULL;
}
static void set_up(struct sigaction *sa) { (void)sa, main_tid = syscall(SYS_gettid); }
static void arm(void) {
  spin_flag = 0;
  tr = (struct transition){0, {0}, 0, &spin_flag};
  pthread_create(&sender_thread, NULL, sender, NULL);
}
static void disarm(void) { pthread_join(sender_thread, NULL); }
/* Only a delivery that interrupted the spin loop counts. */
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  const char *rip = (const char *)uc->uc_mcontext.gregs[REG_RIP];
  return (void)lv, (void)xs, rip >= live_spin_begin && rip <= live_spin_end;
}
)C"};
  }
};

}  // namespace

std::unique_ptr<SignalTransition> make_async_transition() {
  return std::make_unique<Async>();
}

}  // namespace sigctx
