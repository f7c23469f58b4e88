#include "engine/yield_sibling.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "engine/case_support.h"
#include "engine/switch_fault.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {

struct YieldSibling::State {
  CpuImage in, out;
  HoldPlan plan;
  RoutineList loaders, stores, fault_reload;
  CpuImage fault_image;
  bool faulted = false;
  ComponentMask components = 0;
  uint64_t yields = 0;
  uint16_t tag = 0;
  int pin_errno = 0;
  std::atomic<bool> ready{false};
  uint64_t last_mark = 0;  // the word both witnesses mark
  SwitchWitness sibling_witness, caller_witness;
};

namespace {

// A yield that hands the CPU over leaves the thread runnable, so Linux counts the switch as
// involuntary: both counts.
long context_switches() {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

}  // namespace

YieldSibling::YieldSibling() : s_(std::make_unique<State>()) {}

YieldSibling::~YieldSibling() {
  if (thread_.joinable()) thread_.join();
}

bool YieldSibling::faulted() const {
  return s_->faulted;
}

bool YieldSibling::start(const Machine& m, ComponentMask components, uint16_t tag, uint64_t yields,
                         const FaultSpec& fault, const CpuImage& other, std::string* why) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
    *why = fmt::format("sched_getaffinity: {}", std::strerror(errno));
    return false;
  }
  for (int c = 0; c < CPU_SETSIZE && cpu_ < 0; ++c)
    if (CPU_ISSET(c, &allowed)) cpu_ = c;
  if (cpu_ < 0 || !pin_to(cpu_)) {
    *why = fmt::format("pinning to CPU {}: {}", cpu_, std::strerror(errno));
    return false;
  }
  State& s = *s_;
  s.components = components;
  s.yields = yields;
  s.tag = tag;
  s.in.clear();
  for (const ComponentDescriptor* c : all_components())
    if (components & component_bit(c->id)) c->fill(s.in, m, source(tag), Shape::kLanes);
  s.in.gpr[kRax] = SYS_sched_yield;
  s.loaders = loaders_for(m, components);
  s.stores = stores_for(m, components);
  s.plan.action = PLAN_ACTION_SYSCALL_LOOP;
  s.plan.loops = yields;
  s.plan.loaders = s.loaders.data();
  s.plan.stores = s.stores.data();
  s.plan.options = default_hold_options(m);
  s.sibling_witness = {&s.last_mark, 2, 0};
  s.caller_witness = {&s.last_mark, 1, 0};
  s.plan.witness = &s.sibling_witness;
  const uint16_t syscall_clobbers = (1u << kRcx) | (1u << kR11);
  if (fault.active && fault.kind != FaultKind::kGuard &&
      switch_fault_unshowable(fault, components, syscall_clobbers, m).empty()) {
    arm_switch_fault(fault, s.in, other, components, s.fault_image, s.fault_reload, s.plan, m);
    sigctx_switch_hook_after = reinterpret_cast<const void*>(&sigctx_switch_hook_fault);
    s.faulted = true;
  }
  const int cpu = cpu_;
  thread_ = std::thread([&s, cpu] {
    if (!pin_to(cpu)) s.pin_errno = errno;
    s.in.host_fsbase = s.out.host_fsbase = current_fsbase();
    s.in.host_gsbase = s.out.host_gsbase = current_gsbase();
    s.ready.store(true);
    sigctx_hold(&s.in, &s.out, &s.plan);
  });
  // The sibling must be on the CPU's run queue before the stepping starts.
  while (!s.ready.load())
    sched_yield();
  caller_before_ = context_switches();
  return true;
}

long YieldSibling::caller_switches() const {
  return context_switches() - caller_before_;
}

SwitchWitness* YieldSibling::caller_witness() {
  return &s_->caller_witness;
}

uint64_t YieldSibling::sibling_witnessed() const {
  return s_->sibling_witness.seen;
}

void YieldSibling::finish(const Machine& m, ClassifyContext cls, CaseResult& r) {
  if (thread_.joinable()) thread_.join();
  State& s = *s_;
  sigctx_switch_hook_after = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  if (s.pin_errno) {
    r.findings.push_back({"switch.pin",
                          fmt::format("the sibling could not be pinned to CPU {}: {}", cpu_,
                                      std::strerror(s.pin_errno)),
                          "pinned", "not pinned"});
    return;
  }
  auto expected = std::make_unique<CpuImage>(s.in);
  expected->gpr[kRsp] = s.out.rsp_before;
  cls.expected = {source(s.tag), Shape::kLanes};
  cls.known.push_back(cls.expected);
  DiffOptions o;
  o.checked = s.components;
  o.gpr_skip = (1u << kRsp) | (1u << kRcx) | (1u << kR11);
  o.where = fmt::format("in the sibling (thread 1) after its {} sched_yield calls", s.yields);
  o.injection = hold_injection_point(sigctx_hold_syscall_loop_switch);
  for (RegisterDiff& d : diff_images(*expected, s.out, m, o, cls))
    r.diffs.push_back(std::move(d));
}

}  // namespace sigctx
