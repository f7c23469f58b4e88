// signal/altstack/size: what the kernel does with alternate stacks around the frame's size.
// AT_MINSIGSTKSZ and the smallest size that fits must deliver; a stack too small must end in a
// contained SIGSEGV. In no case may the kernel write below the stack (linux-altstack-overflow:
// before 5.14 it silently wrote the frame below a too-small sigaltstack). Each trial runs in a
// forked grandchild over shared memory, so the guards can be read after it dies.
#include "signal/altstack_size_case.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>

#include "base/tied_fork.h"
#include "engine/altstack.h"
#include "engine/case_support.h"
#include "engine/emulation.h"
#include "engine/handler.h"

namespace sigctx {

namespace {

struct Trial {
  std::string name;
  size_t size;
  bool must_deliver;  // else: must end in SIGSEGV, unless it fits after all
  bool may_do_either;
};

size_t measure_frame(const Machine& m) {
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  plan.irritate = false;
  install_handler(kPrimarySignal, true);
  GuardedAltstack probe(64 * 1024);
  size_t frame = 0;
  if (probe.ok() && probe.install()) {
    raise_in_this_thread(kPrimarySignal);
    GuardedAltstack::disable();
    const uint64_t rsp = plan.observed[1].frame_rsp;
    if (rsp >= reinterpret_cast<uint64_t>(probe.sp()) && rsp < probe.top())
      frame = static_cast<size_t>(probe.top() - rsp);
  }
  uninstall_handler(kPrimarySignal);
  return frame;
}

// Delivers one signal on a shared guarded stack of the given size in a grandchild.
GrandchildEnd deliver_in_child(const Machine& m, const CaseContext& ctx, GuardedAltstack& stack,
                               std::string* detail) {
  const pid_t pid = fork_tied_to_parent();
  if (pid == 0) {
    init_signal_runtime(m);
    HandlerPlan& plan = handler_plan();
    plan.irritate = false;
    plan.fault = ctx.fault;
    plan.fault_armed = true;
    plan.guard_fault_address = stack.below();
    install_handler(kPrimarySignal, true);
    if (!stack.install()) _exit(4);
    raise_in_this_thread(kPrimarySignal);
    _exit(plan.delivered[1].load() == 1 ? 0 : 3);
  }
  if (pid < 0) {
    *detail = "fork failed";
    return GrandchildEnd::kOther;
  }
  return wait_for_grandchild(pid, 5000, detail);
}

const char* outcome_name(GrandchildEnd o) {
  switch (o) {
    case GrandchildEnd::kExitedZero:
      return "delivered";
    case GrandchildEnd::kSegv:
      return "SIGSEGV";
    case GrandchildEnd::kOther:
      return "other";
  }
  return "?";
}

}  // namespace

void run_altstack_size_case(const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  const size_t frame = measure_frame(m);
  if (frame == 0) {
    return r.set_error("could not measure the signal frame on an alternate stack");
  }
  const size_t fits = frame + 1;  // Linux's on_sig_stack() wants sp > ss_sp
  // MINSIGSTKSZ (this case runs without AMX permission, which would raise it).
  const size_t floor = std::max(smallest_accepted_altstack(), kKernelMinSigStkSz);
  r.facts["sigaltstack_floor"] = floor;
  r.facts["frame_size"] = frame;
  r.facts["minsigstksz"] = m.auxv.minsigstksz;

  std::vector<Trial> trials;
  if (m.auxv.minsigstksz) {
    // sigaltstack(2) refuses less than MINSIGSTKSZ (2048) with ENOMEM, and an FXSAVE-only
    // kernel's AT_MINSIGSTKSZ is 1440: the promise is then a stack of the floor.
    trials.push_back({m.auxv.minsigstksz >= floor ? "AT_MINSIGSTKSZ"
                      : floor == kKernelMinSigStkSz
                          ? "AT_MINSIGSTKSZ (raised to MINSIGSTKSZ)"
                          : "AT_MINSIGSTKSZ (raised to what sigaltstack accepts)",
                      std::max<size_t>(m.auxv.minsigstksz, floor), true, false});
    if (m.auxv.minsigstksz < fits)
      r.findings.push_back({"auxv.minsigstksz",
                            "AT_MINSIGSTKSZ is smaller than the signal frame the kernel writes",
                            fmt::format(">= {}", fits), std::to_string(m.auxv.minsigstksz)});
  }
  trials.push_back({"frame size + 1", std::max(fits, floor), true, false});
  if (frame >= floor) trials.push_back({"frame size", frame, false, true});
  if (frame > floor + 64)
    trials.push_back(
        {"frame size - 512", std::max(frame > 512 ? frame - 512 : floor, floor), false, false});

  // Where sigaltstack's floor exceeds the frame, no stack too small for it can be installed:
  // what the case can say about overflows here, it says.
  if (std::none_of(trials.begin(), trials.end(),
                   [](const Trial& t) { return !t.must_deliver && !t.may_do_either; }))
    r.facts["too_small_untestable"] = fmt::format(
        "sigaltstack accepts no stack smaller than {} bytes, and the frame takes {}: no stack too "
        "small for it can be installed",
        floor, frame);
  nlohmann::json outcomes = nlohmann::json::array();
  for (const Trial& trial : trials) {
    GuardedAltstack stack(trial.size, /*shared=*/true);
    if (!stack.ok()) {
      return r.set_error("mmap of the alternate stack failed");
    }
    std::string detail;
    const GrandchildEnd o = deliver_in_child(m, ctx, stack, &detail);
    ++r.injections;
    // A delivery onto a stack too small for the frame happens only under the emulation.
    if (ctx.emulation && ctx.emulation->altstack_overrun && !trial.must_deliver &&
        o == GrandchildEnd::kExitedZero)
      note_emulation_applications(1);
    outcomes.push_back({{"trial", trial.name}, {"size", trial.size}, {"outcome", outcome_name(o)}});
    for (auto& f : stack.check_guards()) {
      f.message = fmt::format("{} bytes stack ({}): {}", trial.size, trial.name, f.message);
      r.findings.push_back(std::move(f));
    }
    if (o == GrandchildEnd::kOther) {
      r.findings.push_back({"altstack.outcome",
                            fmt::format("delivery on a {}-byte stack ({}) neither completed nor "
                                        "ended in SIGSEGV: {}",
                                        trial.size, trial.name, detail),
                            trial.must_deliver ? "delivered" : "SIGSEGV", detail});
    } else if (trial.must_deliver && o != GrandchildEnd::kExitedZero) {
      r.findings.push_back(
          {"altstack.delivery",
           fmt::format("a {}-byte stack ({}) is large enough for the {}-byte frame, yet delivery "
                       "failed",
                       trial.size, trial.name, frame),
           "delivered", outcome_name(o)});
    } else if (!trial.must_deliver && !trial.may_do_either && o != GrandchildEnd::kSegv) {
      r.findings.push_back(
          {"altstack.too_small",
           fmt::format("a {}-byte stack ({}) cannot hold the {}-byte frame, yet the signal was "
                       "delivered",
                       trial.size, trial.name, frame),
           "SIGSEGV", outcome_name(o)});
    }
  }
  r.facts["trials"] = outcomes;
  r.set_verdict();
}

}  // namespace sigctx
