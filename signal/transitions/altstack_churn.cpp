// signal/altstack-churn/<variant>: the altstack case under the linux-5.2-sigframe conditions.
// That bug needed a context switch while the kernel faulted in the frame's page, with another
// task's vector registers live on the CPU; no user program can force the switch into that
// window, so the case makes it likely: a same-CPU sibling with its own pattern, a yield to it
// before each delivery, and 64 deliveries each onto pages mincore shows were never touched.
#include <sched.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "engine/case_support.h"
#include "engine/yield_sibling.h"
#include "signal/transitions/altstack.h"

namespace sigctx {
namespace {

// The registers go-preempt-style corruption came back in (go#35326): XMM and YMM, and the
// AVX-512 state that frames grew by since.
constexpr ComponentMask kChurned =
    component_bit(ComponentId::kSse) | component_bit(ComponentId::kAvx) |
    component_bit(ComponentId::kOpmask) | component_bit(ComponentId::kZmmHi256) |
    component_bit(ComponentId::kHi16Zmm);

class AltstackChurn : public AltstackTransition {
 public:
  const char* name() const override { return "altstack-churn"; }
  const char* label() const override { return "altstack"; }
  const char* injector() const override {
    return "raw tgkill syscall after a sched_yield to a same-CPU sibling";
  }
  std::string description(const SignalVariant& v) const override {
    return fmt::format(
        "{}: {} delivering signals onto fresh, never-touched sigaltstacks while a sibling "
        "thread pinned to the same CPU holds its own pattern and each delivery follows a switch "
        "to it; both threads' state must survive",
        v.description, kChurnIterations);
  }
  bool takes_variant(const SignalVariant& v) const override {
    return v.name == "all" || (v.shape == Shape::kLanes && !v.mixed && (v.components & kChurned));
  }
  // Untouched pages are shown by mincore: where it cannot tell them (platform/mincore), the
  // case cannot set up its trigger.
  Availability platform_needs(const Machine& m) const override {
    return platform_allows(m, &PlatformCapabilities::mincore);
  }
  unsigned iterations() const override { return kChurnIterations; }

  bool prepare(SignalRun& run, CaseResult& r) override {
    if (!AltstackTransition::prepare(run, r)) return false;
    // The sibling's own fault would blur which side a report came from: the mutation tests of
    // the sibling's check are step-yield's.
    std::string why;
    const uint64_t yields = uint64_t{run.iterations} * 4 + 1000;
    r.facts["sibling_yields"] = yields;
    if (!sibling_.start(run.m, run.loaded, run.tag, yields, FaultSpec{}, *run.img.irritator1,
                        &why)) {
      r.set_error(why);
      return false;
    }
    return true;
  }

  bool arm(SignalRun& run, CaseResult& r) override {
    if (!AltstackTransition::arm(run, r)) return false;
    const long resident = stack_->resident_pages();
    if (resident < 0 && untouched_error_.empty())
      untouched_error_ = fmt::format("mincore on the sigaltstack: {}", std::strerror(errno));
    if (resident > 0 && untouched_error_.empty())
      untouched_error_ = fmt::format(
          "{} page(s) of a fresh sigaltstack were resident before delivery {}, so the kernel "
          "did not write that frame into untouched pages",
          resident, run.iteration);
    sched_yield();  // to the sibling, whose registers are live on this CPU until it yields
    return true;
  }

  bool finish(SignalRun& run, CaseResult& r) override {
    const long switches = sibling_.caller_switches();
    ClassifyContext cls;
    cls.machine = &run.m;
    sibling_.finish(run.m, cls, r);
    r.facts["context_switches"] = switches;
    if (!r.failed() && !untouched_error_.empty()) {
      r.set_error(untouched_error_);
      return false;
    }
    if (!r.failed() && switches == 0) {
      r.set_error("this thread yielded before every delivery but was never switched out");
      return false;
    }
    return true;
  }

 private:
  YieldSibling sibling_;
  std::string untouched_error_;  // why a delivery did not land on untouched pages
};

}  // namespace

std::unique_ptr<SignalTransition> make_altstack_churn_transition() {
  return std::make_unique<AltstackChurn>();
}

}  // namespace sigctx
