#include "signal/transitions/altstack.h"

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/frame_abi.h"
#include "engine/sender.h"

namespace sigctx {

namespace {

// The smallest sigaltstack the kernel accepts here: one delivery on a large canary stack gives
// the frame's size; Linux needs one byte more (on_sig_stack() requires sp > ss_sp).
size_t measure_frame_size(HandlerPlan& plan) {
  GuardedAltstack probe(64 * 1024);
  if (!probe.ok() || !probe.install()) return 0;
  const bool irritate = plan.irritate;
  plan.irritate = false;
  raise_in_this_thread(kPrimarySignal);
  plan.irritate = irritate;
  GuardedAltstack::disable();
  const uint64_t rsp = plan.observed[1].frame_rsp;
  plan.delivered[1].store(0);
  if (rsp < reinterpret_cast<uint64_t>(probe.sp()) || rsp >= probe.top()) return 0;
  return static_cast<size_t>(probe.top() - rsp);
}

}  // namespace

const char* AltstackTransition::what() const {
  return "delivery on a fresh, guarded sigaltstack of AT_MINSIGSTKSZ bytes and of the smallest "
         "size that fits the frame; state intact, nothing written outside the stack";
}

void AltstackTransition::add_guards(const SignalVariant& v, std::vector<std::string>& g) const {
  // Each delivery lands on a freshly mapped stack, the 5.2 trigger.
  const bool vector_upper = v.has(ComponentId::kAvx) || v.has(ComponentId::kZmmHi256) ||
                            v.has(ComponentId::kHi16Zmm) || v.has(ComponentId::kOpmask);
  if (v.has(ComponentId::kSse) || vector_upper) g.push_back("linux-5.2-sigframe");
  // The guards around these stacks are checked too, but they fit the frame: the overflow's
  // trigger, a stack smaller than the frame, is signal/altstack/size's.
}

ReproducerHooks AltstackTransition::reproducer_hooks() const {
  return {
      "#include <sys/auxv.h>\n#include <sys/mman.h>\n#define SIGNO SIGUSR1\n#define PER_HOLD "
      "1\n#define EXPECT MAIN\n#define EXPECT_INIT 0u\n",
      R"C(
/* signal/altstack: each delivery lands on a freshly mapped sigaltstack (SA_ONSTACK), alternately
 * of AT_MINSIGSTKSZ bytes plus 2 KiB for this C handler and of 64 KiB, with an inaccessible page
 * right below it: the state must come back, and the frame must stay on the stack. */
static char *map;
static size_t map_len, stack_size;
static int holds;
static void set_up(struct sigaction *sa) { sa->sa_flags |= SA_ONSTACK; }
static void arm(void) {
  size_t min = getauxval(51 /* AT_MINSIGSTKSZ */);
  stack_size = holds++ & 1 ? 65536 : (min > 2048 ? min : 2048) + 2048;
  map_len = 4096 + ((stack_size + 4095) & ~(size_t)4095);
  map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  stack_t ss = {map + 4096, 0, stack_size};
  if (map == MAP_FAILED || mprotect(map, 4096, PROT_NONE) || sigaltstack(&ss, NULL))
    perror("sigaltstack"), exit(2);
  arm_tgkill(SIGNO);
}
static void disarm(void) {
  stack_t ss = {NULL, SS_DISABLE, 0};
  sigaltstack(&ss, NULL);
  munmap(map, map_len);
}
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)xs;
  if (lv == 1 && ((char *)uc < map + 4096 || (char *)uc >= map + 4096 + stack_size)) {
    printf("  the handler's frame at %p is not on the sigaltstack\n", (void *)uc);
    trouble++;
  }
  return 1;
}
)C"};
}

bool AltstackTransition::prepare(SignalRun& run, CaseResult& r) {
  install_handler(kPrimarySignal, true);
  const size_t frame = measure_frame_size(run.plan);
  if (frame == 0) {
    r.set_error("could not measure the signal frame on an alternate stack");
    return false;
  }
  // AT_MINSIGSTKSZ, raised to sigaltstack's own floor: an FXSAVE-only kernel reports 1440,
  // below the 2048 bytes sigaltstack(2) accepts (ENOMEM); with AMX permitted the floor is the
  // kernel's own frame size for every feature.
  const size_t floor = std::max(smallest_accepted_altstack(), kKernelMinSigStkSz);
  const size_t minsigstksz = run.m.auxv.minsigstksz ? run.m.auxv.minsigstksz : kClassicSigStkSz;
  sizes_[0] = std::max(minsigstksz, floor);
  sizes_[1] = std::max(frame + 1, floor);
  r.facts["frame_size"] = frame;
  r.facts["altstack_sizes"] = {sizes_[0], sizes_[1]};
  return true;
}

bool AltstackTransition::arm(SignalRun& run, CaseResult& r) {
  const size_t size = sizes_[run.iteration % 2];
  stack_ = std::make_unique<GuardedAltstack>(size);
  if (!stack_->ok() || !stack_->install()) {
    r.set_error(fmt::format("sigaltstack of {} bytes failed: {}", size, std::strerror(errno)));
    return false;
  }
  run.plan.guard_fault_address = stack_->below();
  return true;
}

bool AltstackTransition::fire(SignalRun& run, CaseResult& r) {
  const bool fired = SignalTransition::fire(run, r);
  GuardedAltstack::disable();
  return fired;
}

void AltstackTransition::check(SignalRun& run, CaseResult& r) {
  for (auto& f : stack_->check_guards())
    r.findings.push_back(std::move(f));
  const uint64_t rsp = run.plan.observed[1].frame_rsp;
  const uint64_t sp = reinterpret_cast<uint64_t>(stack_->sp());
  if (run.delivered_now && (rsp < sp || rsp >= stack_->top()))
    r.findings.push_back({"altstack.used", "the signal was not delivered on the alternate stack",
                          fmt::format("frame in [{:#x}, {:#x})", sp, stack_->top()),
                          fmt::format("frame at {:#x}", rsp)});
}

std::unique_ptr<SignalTransition> make_altstack_transition() {
  return std::make_unique<AltstackTransition>();
}

}  // namespace sigctx
