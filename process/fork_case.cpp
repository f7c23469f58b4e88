// Both fork cases run the raw fork system call from the hold driver, so no libc code runs
// between the load and the check in either process. The child copies what it stored into
// shared memory and exits; the parent checks both.
//   process/fork: the hold's SYSCALL_LOOP with one fork (rax is reloaded with the number, so
//     both come back with SYS_fork in rax); --inject-fault breaks one register right after the
//     fork through the switch fault hook, in both processes.
//   process/fork-in-handler: a raw tgkill; the level-1 handler holds its own pattern across a
//     fork (the nested hold), then both processes return from the handler through sigreturn.
//     Parent and child check the interrupted code's state and the handler's (rax: the child's
//     pid in the parent, 0 in the child).
#include "process/fork_case.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "engine/case_support.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "engine/switch_fault.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {

namespace {

constexpr unsigned kIterations = 3;
constexpr int kChildTimeoutMs = 5000;

// What each process stored: index 0 the parent, 1 the child.
struct ForkShared {
  CpuImage out[2];
  CpuImage nested_out[2];
  pid_t child_pid = 0;
  bool child_wrote = false;
};

struct Images {
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_out = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> irritator = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> other = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> fault = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> expected = std::make_unique<CpuImage>();
};

// Waits for the child; false (with *why) when it hung or died.
bool reap(pid_t pid, std::string* why) {
  std::string detail;
  switch (wait_for_grandchild(pid, kChildTimeoutMs, &detail)) {
    case GrandchildEnd::kExitedZero:
      return true;
    case GrandchildEnd::kSegv:
      *why = "the child was killed by SIGSEGV";
      return false;
    case GrandchildEnd::kOther:
      *why = "the child " + detail;
      return false;
  }
  return false;
}

// One case's state.
struct ForkRun {
  const ForkCaseSpec& spec;
  const CaseContext& ctx;
  const Machine& m;
  ForkShared* shared = nullptr;
  ComponentMask available = 0, loaded = 0, irritated = 0;
  pid_t parent = 0, tid = 0;
  uint16_t tag = 0;
  RoutineList loaders, stores, irritator_loaders, fault_reload;
  Images img;
  InjectionPoint point, nested_point;
  // The iteration under way. other: what a plain fork's leak fault loads, another process's
  // values.
  uint8_t gen = 0;
  PatternSource main, h1, h2, other;
  HoldPlan hold{};
  NestedHold nested;
};

// The iteration's patterns in every image.
void fill_iteration(ForkRun& run) {
  const uint16_t tag = run.tag;
  run.main = {tag, kRoleMain, run.gen};
  run.h1 = {tag, handler_role(1), run.gen};
  run.h2 = {tag, handler_role(2), run.gen};
  run.other = {tag, static_cast<uint8_t>(kRoleProcess0 + 1), run.gen};
  Images& img = run.img;
  img.in->clear();
  img.nested_in->clear();
  img.irritator->clear();
  img.other->clear();
  for (const ComponentDescriptor* c : all_components()) {
    if (run.loaded & component_bit(c->id)) {
      c->fill(*img.in, run.m, run.main, Shape::kLanes);
      c->fill(*img.nested_in, run.m, run.h1, Shape::kLanes);
      c->fill(*img.other, run.m, run.other, Shape::kLanes);
    }
    // The irritator carries FS/GS base values too: a leak fault of the handler uses them.
    if (run.available & component_bit(c->id)) c->fill(*img.irritator, run.m, run.h2, Shape::kLanes);
  }
  img.in->host_fsbase = current_fsbase();
  img.in->host_gsbase = current_gsbase();
  img.out->clear();
  img.out->host_fsbase = img.in->host_fsbase;
  img.out->host_gsbase = img.in->host_gsbase;
  *run.shared = ForkShared();
}

// The hold: a tgkill whose handler forks in its nested hold, or a loop of one fork.
void arm_hold(ForkRun& run, unsigned iteration) {
  Images& img = run.img;
  HoldPlan& hold = run.hold;
  hold = HoldPlan{};
  hold.loaders = run.loaders.data();
  hold.stores = run.stores.data();
  hold.options = default_hold_options(run.m);
  if (!run.spec.in_handler) {
    hold.action = PLAN_ACTION_SYSCALL_LOOP;
    hold.loops = 1;
    img.in->gpr[kRax] = SYS_fork;
    if (run.ctx.fault.active && iteration == 0)
      arm_switch_fault(run.ctx.fault, *img.in, *img.other, run.loaded, *img.fault, run.fault_reload,
                       hold, run.m);
    return;
  }
  hold.action = PLAN_ACTION_SYSCALL;
  set_tgkill_args(*img.in, run.parent, run.tid, kPrimarySignal);
  img.nested_in->gpr[kRax] = SYS_fork;
  // Inside the handler the GS base to put back is the interrupted code's.
  const uint64_t handler_gs =
      (run.loaded & component_bit(ComponentId::kGsbase)) ? img.in->gsbase : img.in->host_gsbase;
  img.nested_in->host_fsbase = sigctx_host_fsbase;
  img.nested_in->host_gsbase = handler_gs;
  img.nested_out->clear();
  img.nested_out->host_fsbase = sigctx_host_fsbase;
  img.nested_out->host_gsbase = handler_gs;
  run.nested = {img.nested_in.get(), img.nested_out.get(), HoldPlan{}};
  run.nested.plan.action = PLAN_ACTION_SYSCALL;
  run.nested.plan.loaders = run.loaders.data();
  run.nested.plan.stores = run.stores.data();
  run.nested.plan.options = default_hold_options(run.m);
  HandlerPlan& plan = handler_plan();
  plan.nested = &run.nested;
  plan.irritator[0] = {img.irritator.get(), run.irritator_loaders.data()};
  plan.fault_armed = true;
}

// In the parent after the hold: the child's pid, once it has reported and ended; false with r's
// error set when it failed, hung or never reported.
bool collect_child(ForkRun& run, pid_t* child, CaseResult& r) {
  ForkShared* shared = run.shared;
  // The child's pid: the handler's fork returned it; the loop's fork left rax reloaded.
  *child = run.spec.in_handler ? static_cast<pid_t>(run.img.nested_out->gpr[kRax]) : 0;
  if (!run.spec.in_handler) {
    for (int waited = 0; !__atomic_load_n(&shared->child_wrote, __ATOMIC_ACQUIRE); ++waited) {
      if (waited > kChildTimeoutMs) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    *child = shared->child_pid;
  }
  std::string why;
  if (*child > 0 && reap(*child, &why) && shared->child_wrote) return true;
  if (*child <= 0) {
    // Reap whatever child there is, so that none is left behind.
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
  r.set_error(*child <= 0 ? fmt::format("fork failed or its child never reported (rax {:#x})",
                                        run.img.nested_out->gpr[kRax])
                          : why);
  return false;
}

// What the parent (p = 0) and the child (p = 1) got back, and in fork-in-handler their handlers.
void check_processes(ForkRun& run, pid_t child, CaseResult& r) {
  const Machine& m = run.m;
  const bool in_handler = run.spec.in_handler;
  const uint16_t clobbered = (1u << kRcx) | (1u << kR11);
  ClassifyContext cls;
  cls.machine = &m;
  cls.known = {{run.main, Shape::kLanes},
               {run.h1, Shape::kLanes},
               {run.h2, Shape::kLanes},
               {run.other, Shape::kLanes}};
  cls.expected = {run.main, Shape::kLanes};
  const char* who[2] = {"parent", "child"};
  // The child starts some components in its init state (AMX tile data) right after fork: the
  // loop's plain fork, or the handler's fork. After the handler's sigreturn it has them back
  // from the frame, since the child's own tile store (TILESTORED's first-use fault) enlarged
  // its FPU state to hold them.
  auto reset_in_child = [&](CpuImage& expected, unsigned p) {
    if (p == 0) return;
    for (const ComponentDescriptor* c : all_components())
      if ((run.loaded & component_bit(c->id)) && c->init_in_new_process) c->init(expected);
  };
  for (unsigned p = 0; p < 2; ++p) {
    CpuImage& expected = *run.img.expected;
    expected = *run.img.in;
    if (!in_handler) reset_in_child(expected, p);
    expected.gpr[kRsp] = run.shared->out[p].rsp_before;
    if (in_handler) expected.gpr[kRax] = 0;  // tgkill's return value
    DiffOptions o;
    o.checked = run.loaded;
    o.gpr_skip = clobbered;
    o.where = in_handler ? fmt::format("in the {} after a fork in the handler", who[p])
                         : fmt::format("in the {} after fork", who[p]);
    o.injection = run.point;
    for (RegisterDiff& d : diff_images(expected, run.shared->out[p], m, o, cls))
      r.diffs.push_back(std::move(d));
    if (!in_handler) continue;
    expected = *run.img.nested_in;
    reset_in_child(expected, p);
    expected.gpr[kRsp] = run.shared->nested_out[p].rsp_before;
    expected.gpr[kRax] = p == 0 ? static_cast<uint64_t>(child) : 0;  // fork's return value
    ClassifyContext cls_h = cls;
    cls_h.expected = {run.h1, Shape::kLanes};
    o.where = fmt::format("in the {}'s handler across fork", who[p]);
    o.injection = run.nested_point;
    for (RegisterDiff& d : diff_images(expected, run.shared->nested_out[p], m, o, cls_h))
      r.diffs.push_back(std::move(d));
  }
}

// The masks, routines and hooks; false with r's error set.
bool set_up(ForkRun& run, CaseResult& r) {
  const Machine& m = run.m;
  const CaseContext& ctx = run.ctx;
  run.available = available_components(m);
  run.loaded = (run.spec.components ? run.spec.components : run.available) & run.available;
  run.irritated = run.available & ~kSegmentBases;
  const uint16_t clobbered = (1u << kRcx) | (1u << kR11);
  if (ctx.fault.active && !run.spec.in_handler) {
    const std::string why = switch_fault_unshowable(ctx.fault, run.loaded, clobbered, m);
    if (!why.empty()) {
      r.set_error(fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec, why));
      return false;
    }
  }
  run.shared = map_shared<ForkShared>();
  if (!run.shared) {
    r.set_error(fmt::format("mmap: {}", std::strerror(errno)));
    return false;
  }
  init_signal_runtime(m);
  handler_plan().fault = ctx.fault;
  sigctx_switch_hook_before = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(ctx.fault.active && !run.spec.in_handler
                                                               ? &sigctx_switch_hook_fault
                                                               : &sigctx_switch_hook_none);
  run.parent = getpid();
  run.tid = static_cast<pid_t>(syscall(SYS_gettid));
  run.tag = seed_tag(ctx.seed);
  run.loaders = loaders_for(m, run.loaded);
  run.stores = stores_for(m, run.loaded);
  run.irritator_loaders = loaders_for(m, run.irritated);
  // The hold's single SYSCALL: tgkill at the main level, fork in the handler's nested hold; a
  // plain fork is the loop's SYSCALL.
  run.nested_point = hold_injection_point(sigctx_hold_syscall);
  run.point = run.spec.in_handler ? run.nested_point
                                  : hold_injection_point(sigctx_hold_syscall_loop_switch);
  if (run.spec.in_handler) install_handler(kPrimarySignal, false);
  return true;
}

}  // namespace

void run_fork_case(const ForkCaseSpec& spec, const CaseContext& ctx, CaseResult& r) {
  ForkRun run{spec, ctx, ctx.machine};
  if (!set_up(run, r)) return;
  for (unsigned it = 0; it < kIterations && !r.failed(); ++it) {
    run.gen = static_cast<uint8_t>(it + 1);
    fill_iteration(run);
    arm_hold(run, it);
    sigctx_hold(run.img.in.get(), run.img.out.get(), &run.hold);
    const unsigned self = getpid() == run.parent ? 0 : 1;
    run.shared->out[self] = *run.img.out;
    if (spec.in_handler) run.shared->nested_out[self] = *run.img.nested_out;
    if (self == 1) {
      run.shared->child_pid = getpid();
      run.shared->child_wrote = true;
      _exit(0);
    }
    handler_plan().nested = nullptr;
    pid_t child = 0;
    if (!collect_child(run, &child, r)) return;
    ++r.injections;
    check_processes(run, child, r);
    if (r.failed()) r.facts["failing_generation"] = run.gen;
  }
  if (spec.in_handler) uninstall_handler(kPrimarySignal);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  r.facts["forks"] = r.injections;
  r.facts["components"] = component_names(run.loaded);
  r.set_verdict();
}

}  // namespace sigctx
