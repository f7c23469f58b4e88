// A sibling for switch/step-yield: a thread pinned to the caller's CPU that holds its own
// pattern (thread 1's) in every component across a loop of sched_yield calls, so that a stepped
// kernel whose SIGTRAP handler yields at every boundary switches to it and back there.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "engine/fault.h"
#include "engine/hold.h"
#include "model/case_result.h"
#include "probes/machine.h"
#include "xstate/classify.h"

namespace sigctx {

class YieldSibling {
 public:
  YieldSibling();
  ~YieldSibling();
  YieldSibling(const YieldSibling&) = delete;
  YieldSibling& operator=(const YieldSibling&) = delete;

  // The pattern it holds.
  static PatternSource source(uint16_t tag) { return {tag, kRoleThread0 + 1, 1}; }

  // Pins the calling thread to the first CPU it may run on, and starts the sibling there with
  // `yields` sched_yield calls. With an active fault that can show in it, the sibling's hold
  // breaks that register once, right after its first yield (a leak takes `other`'s value), as
  // the switch cases' fault does. False with *why.
  bool start(const Machine& m, ComponentMask components, uint16_t tag, uint64_t yields,
             const FaultSpec& fault, const CpuImage& other, std::string* why);
  // Whether the fault was armed in the sibling.
  bool faulted() const;
  // Context switches of the calling thread since start(), as getrusage counts them.
  long caller_switches() const;
  // The marks the caller takes around its yields (HandlerPlan::yield_witness): its seen count
  // is how often the sibling was found to have run on the CPU in between.
  SwitchWitness* caller_witness();
  // How often the sibling found the caller to have run on the CPU between two of its yields.
  uint64_t sibling_witnessed() const;
  // Joins the sibling and adds the differences of its registers to r (classified with `cls`,
  // whose known sources it extends with its own).
  void finish(const Machine& m, ClassifyContext cls, CaseResult& r);

 private:
  struct State;
  std::unique_ptr<State> s_;
  std::thread thread_;
  long caller_before_ = 0;
  int cpu_ = -1;
};

}  // namespace sigctx
