// signal/altstack, which signal/altstack-churn extends.
#pragma once

#include <memory>

#include "engine/altstack.h"
#include "signal/signal_transition.h"

namespace sigctx {

// Each delivery lands on a fresh, guarded sigaltstack, alternately of AT_MINSIGSTKSZ bytes and
// of the smallest size that fits the frame: state intact, nothing written outside the stack.
class AltstackTransition : public SignalTransition {
 public:
  const char* name() const override { return "altstack"; }
  const char* handler() const override { return "clobber on sigaltstack"; }
  const char* what() const override;
  void add_guards(const SignalVariant& v, std::vector<std::string>& g) const override;
  bool prepare(SignalRun& run, CaseResult& r) override;
  bool arm(SignalRun& run, CaseResult& r) override;
  bool fire(SignalRun& run, CaseResult& r) override;
  void check(SignalRun& run, CaseResult& r) override;
  ReproducerHooks reproducer_hooks() const override;

 protected:
  std::unique_ptr<GuardedAltstack> stack_;  // this iteration's
  size_t sizes_[2] = {0, 0};
};

}  // namespace sigctx
