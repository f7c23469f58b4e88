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

}  // namespace

void run_fork_case(const ForkCaseSpec& spec, const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  const ComponentMask available = available_components(m);
  const ComponentMask loaded = (spec.components ? spec.components : available) & available;
  const ComponentMask irritated = available & ~kSegmentBases;
  const uint16_t clobbered = (1u << kRcx) | (1u << kR11);
  if (ctx.fault.active && !spec.in_handler) {
    const std::string why = switch_fault_unshowable(ctx.fault, loaded, clobbered, m);
    if (!why.empty()) {
      return r.set_error(
          fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec, why));
    }
  }
  auto* shared = map_shared<ForkShared>();
  if (!shared) {
    return r.set_error(fmt::format("mmap: {}", std::strerror(errno)));
  }
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  plan.fault = ctx.fault;
  sigctx_switch_hook_before = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(
      ctx.fault.active && !spec.in_handler ? &sigctx_switch_hook_fault : &sigctx_switch_hook_none);
  const pid_t parent = getpid();
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  const uint16_t tag = seed_tag(ctx.seed);
  const RoutineList loaders = loaders_for(m, loaded);
  const RoutineList stores = stores_for(m, loaded);
  const RoutineList irritator_loaders = loaders_for(m, irritated);
  RoutineList fault_reload;
  Images img;
  // The hold's single SYSCALL: tgkill at the main level, fork in the handler's nested hold; a
  // plain fork is the loop's SYSCALL.
  const InjectionPoint nested_point = hold_injection_point(sigctx_hold_syscall);
  const InjectionPoint point =
      spec.in_handler ? nested_point : hold_injection_point(sigctx_hold_syscall_loop_switch);
  if (spec.in_handler) install_handler(kPrimarySignal, false);

  for (unsigned it = 0; it < kIterations && !r.failed(); ++it) {
    const uint8_t gen = static_cast<uint8_t>(it + 1);
    // other: what a plain fork's leak fault loads, another process's values.
    const PatternSource main{tag, kRoleMain, gen}, h1{tag, handler_role(1), gen},
        h2{tag, handler_role(2), gen}, other{tag, static_cast<uint8_t>(kRoleProcess0 + 1), gen};
    img.in->clear();
    img.nested_in->clear();
    img.irritator->clear();
    img.other->clear();
    for (const ComponentDescriptor* c : all_components()) {
      if (loaded & component_bit(c->id)) {
        c->fill(*img.in, m, main, Shape::kLanes);
        c->fill(*img.nested_in, m, h1, Shape::kLanes);
        c->fill(*img.other, m, other, Shape::kLanes);
      }
      // The irritator carries FS/GS base values too: a leak fault of the handler uses them.
      if (available & component_bit(c->id)) c->fill(*img.irritator, m, h2, Shape::kLanes);
    }
    img.in->host_fsbase = current_fsbase();
    img.in->host_gsbase = current_gsbase();
    img.out->clear();
    img.out->host_fsbase = img.in->host_fsbase;
    img.out->host_gsbase = img.in->host_gsbase;
    *shared = ForkShared();

    HoldPlan hold;
    hold.loaders = loaders.data();
    hold.stores = stores.data();
    hold.options = default_hold_options(m);
    NestedHold nested;
    if (spec.in_handler) {
      hold.action = PLAN_ACTION_SYSCALL;
      set_tgkill_args(*img.in, parent, tid, kPrimarySignal);
      img.nested_in->gpr[kRax] = SYS_fork;
      // Inside the handler the GS base to put back is the interrupted code's.
      const uint64_t handler_gs =
          (loaded & component_bit(ComponentId::kGsbase)) ? img.in->gsbase : img.in->host_gsbase;
      img.nested_in->host_fsbase = sigctx_host_fsbase;
      img.nested_in->host_gsbase = handler_gs;
      img.nested_out->clear();
      img.nested_out->host_fsbase = sigctx_host_fsbase;
      img.nested_out->host_gsbase = handler_gs;
      nested = {img.nested_in.get(), img.nested_out.get(), HoldPlan{}};
      nested.plan.action = PLAN_ACTION_SYSCALL;
      nested.plan.loaders = loaders.data();
      nested.plan.stores = stores.data();
      nested.plan.options = default_hold_options(m);
      plan.nested = &nested;
      plan.irritator[0] = {img.irritator.get(), irritator_loaders.data()};
      plan.fault_armed = true;
    } else {
      hold.action = PLAN_ACTION_SYSCALL_LOOP;
      hold.loops = 1;
      img.in->gpr[kRax] = SYS_fork;
      if (ctx.fault.active && it == 0)
        arm_switch_fault(ctx.fault, *img.in, *img.other, loaded, *img.fault, fault_reload, hold, m);
    }

    sigctx_hold(img.in.get(), img.out.get(), &hold);
    const unsigned self = getpid() == parent ? 0 : 1;
    shared->out[self] = *img.out;
    if (spec.in_handler) shared->nested_out[self] = *img.nested_out;
    if (self == 1) {
      shared->child_pid = getpid();
      shared->child_wrote = true;
      _exit(0);
    }
    plan.nested = nullptr;

    // The child's pid: the handler's fork returned it; the loop's fork left rax reloaded.
    pid_t child = spec.in_handler ? static_cast<pid_t>(img.nested_out->gpr[kRax]) : 0;
    if (!spec.in_handler) {
      for (int waited = 0; !__atomic_load_n(&shared->child_wrote, __ATOMIC_ACQUIRE); ++waited) {
        if (waited > kChildTimeoutMs) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      child = shared->child_pid;
    }
    std::string why;
    if (child <= 0 || !reap(child, &why) || !shared->child_wrote) {
      if (child <= 0) {
        // Reap whatever child there is, so that none is left behind.
        while (waitpid(-1, nullptr, WNOHANG) > 0) {
        }
      }
      return r.set_error(child <= 0
                             ? fmt::format("fork failed or its child never reported (rax {:#x})",
                                           img.nested_out->gpr[kRax])
                             : why);
    }
    ++r.injections;

    ClassifyContext cls;
    cls.machine = &m;
    cls.known = {
        {main, Shape::kLanes}, {h1, Shape::kLanes}, {h2, Shape::kLanes}, {other, Shape::kLanes}};
    cls.expected = {main, Shape::kLanes};
    const char* who[2] = {"parent", "child"};
    // The child starts some components in its init state (AMX tile data) right after fork: the
    // loop's plain fork, or the handler's fork. After the handler's sigreturn it has them back
    // from the frame, since the child's own tile store (TILESTORED's first-use fault) enlarged
    // its FPU state to hold them.
    auto reset_in_child = [&](CpuImage& expected, unsigned p) {
      if (p == 0) return;
      for (const ComponentDescriptor* c : all_components())
        if ((loaded & component_bit(c->id)) && c->init_in_new_process) c->init(expected);
    };
    for (unsigned p = 0; p < 2; ++p) {
      CpuImage& expected = *img.expected;
      expected = *img.in;
      if (!spec.in_handler) reset_in_child(expected, p);
      expected.gpr[kRsp] = shared->out[p].rsp_before;
      if (spec.in_handler) expected.gpr[kRax] = 0;  // tgkill's return value
      DiffOptions o;
      o.checked = loaded;
      o.gpr_skip = clobbered;
      o.where = spec.in_handler ? fmt::format("in the {} after a fork in the handler", who[p])
                                : fmt::format("in the {} after fork", who[p]);
      o.injection = point;
      for (RegisterDiff& d : diff_images(expected, shared->out[p], m, o, cls))
        r.diffs.push_back(std::move(d));
      if (!spec.in_handler) continue;
      expected = *img.nested_in;
      reset_in_child(expected, p);
      expected.gpr[kRsp] = shared->nested_out[p].rsp_before;
      expected.gpr[kRax] = p == 0 ? static_cast<uint64_t>(child) : 0;  // fork's return value
      ClassifyContext cls_h = cls;
      cls_h.expected = {h1, Shape::kLanes};
      o.where = fmt::format("in the {}'s handler across fork", who[p]);
      o.injection = nested_point;
      for (RegisterDiff& d : diff_images(expected, shared->nested_out[p], m, o, cls_h))
        r.diffs.push_back(std::move(d));
    }
    if (r.failed()) r.facts["failing_generation"] = gen;
  }
  if (spec.in_handler) uninstall_handler(kPrimarySignal);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  r.facts["forks"] = r.injections;
  r.facts["components"] = component_names(loaded);
  r.set_verdict();
}

}  // namespace sigctx
