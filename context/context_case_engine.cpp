#include "context/context_case_engine.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "base/tied_fork.h"
#include "context/context_api.h"
#include "context/context_control.h"
#include "context/context_fault.h"
#include "context/sigmask_check.h"
#include "engine/case_support.h"
#include "engine/emulation.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "xstate/component_registry.h"
#include "xstate/disasm.h"

namespace sigctx {

const char* context_transition_name(ContextTransition t) {
  switch (t) {
    case ContextTransition::kSetcontext:
      return "setcontext";
    case ContextTransition::kSwapcontext:
      return "swapcontext";
    case ContextTransition::kHandlerSetcontext:
      return "handler-setcontext";
    case ContextTransition::kHandlerSwapcontext:
      return "handler-swapcontext";
    case ContextTransition::kThread:
      return "thread";
  }
  return "?";
}

namespace {

constexpr ComponentMask kRflags = component_bit(ComponentId::kRflags);
// No context API promises the caller-saved GPRs: the call that captures the context may
// clobber them.
constexpr uint16_t kCallerSavedGprs = (1u << kRax) | (1u << kRcx) | (1u << kRdx) | (1u << kRsi) |
                                      (1u << kRdi) | (1u << kR8) | (1u << kR9) | (1u << kR10) |
                                      (1u << kR11);
constexpr size_t kSideStackBytes = 64 * 1024;
constexpr size_t kThreadStackBytes = 256 * 1024;
constexpr int kCrashExit = 71;

// Everything a transition shares with a forked grandchild or the capturing thread, in one
// MAP_SHARED mapping.
struct Shared {
  CpuImage in, out, irritator, handler_in, handler_out, side_irritator;
  ucontext_t primary, side, back, handler_primary;
  uint64_t mask_after = 0;  // the signal mask right after the transition
  uint64_t handler_mask_before = 0, handler_mask_after = 0;
  uint64_t capturing_fsbase = 0;  // FS base of the thread that captured the context
  uint64_t resuming_fsbase = 0, resuming_gsbase = 0;
  uint64_t handler_deliveries = 0;
  int crash_signal = 0;  // a fatal signal in the grandchild, with where it hit
  uint64_t crash_rip = 0, crash_address = 0;
  alignas(64) uint8_t side_stack[kSideStackBytes];
  alignas(64) uint8_t thread_stack[kThreadStackBytes];
};

struct SharedDeleter {
  void operator()(Shared* s) const { munmap(s, sizeof(Shared)); }
};

// Set for the running case; the hooks and the handlers below read them.
Shared* g_shared = nullptr;
const FaultSpec* g_fault = nullptr;
const Machine* g_machine = nullptr;
HoldPlan g_handler_plan;

const char* fatal_signal_name(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
  }
  return "a fatal signal";
}

uint64_t current_sigmask() {
  uint64_t mask = 0;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &mask, sizeof(mask));
  return mask;
}

void set_sigmask(uint64_t mask) {
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, nullptr, sizeof(mask));
}

constexpr uint64_t sigbit(int sig) {
  return 1ull << (sig - 1);
}

// Runs where a broken libc or kernel would act: between capture and resume, with the context
// that is about to be resumed.
void before_resume(ucontext_t* uc) {
  // A leak carries the values of the irritator that is about to load.
  if (g_fault && g_fault->active)
    apply_context_fault(*g_fault, uc, *sigctx_context_control.irritator, *g_machine);
  ContextResumeSite site{uc, g_machine, g_shared->capturing_fsbase, g_shared->resuming_fsbase};
  emulate_on_context_resume(site);
}

// The level-1 handler of handler-swapcontext: holds its own pattern across a swapcontext to
// the side context, then returns through sigreturn.
void handler_swapcontext(int, siginfo_t*, void*) {
  Shared& s = *g_shared;
  ++s.handler_deliveries;
  s.handler_mask_before = current_sigmask();
  ContextControl& c = sigctx_context_control;
  c.primary = &s.handler_primary;
  sigctx_active_kernel = reinterpret_cast<const char*>(&sigctx_context_kernel_swapcontext);
  sigctx_hold(&s.handler_in, &s.handler_out, &g_handler_plan);
  s.handler_mask_after = current_sigmask();
}

// Fatal signals in a grandchild: where they hit, for the report.
void record_crash(int sig, siginfo_t* info, void* ucv) {
  const auto* uc = static_cast<const ucontext_t*>(ucv);
  g_shared->crash_signal = sig;
  g_shared->crash_rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
  g_shared->crash_address = reinterpret_cast<uint64_t>(info->si_addr);
  _exit(kCrashExit);
}

void install_crash_recorder() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = record_crash;
  sa.sa_flags = SA_SIGINFO;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    sigaction(sig, &sa, nullptr);
}

// "setcontext+46": the libc function (or symbol) an address lies in.
std::string code_location(uint64_t rip) {
  const ContextApi& api = context_api();
  const std::pair<const char*, uint64_t> known[] = {
      {"getcontext", reinterpret_cast<uint64_t>(api.getcontext)},
      {"setcontext", reinterpret_cast<uint64_t>(api.setcontext)},
      {"swapcontext", reinterpret_cast<uint64_t>(api.swapcontext)},
      {"makecontext", reinterpret_cast<uint64_t>(api.makecontext)}};
  for (const auto& [name, start] : known)
    if (start && rip >= start && rip - start < 512) return fmt::format("{}+{}", name, rip - start);
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(rip), &info) && info.dli_sname)
    return fmt::format("{}+{}", info.dli_sname, rip - reinterpret_cast<uint64_t>(info.dli_saddr));
  return fmt::format("{:#x}", rip);
}

void set_signal_handler(int sig, void (*fn)(int, siginfo_t*, void*)) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
}

// Makes s.side a fresh context that starts in sigctx_context_side_entry on the side stack.
void prepare_side_context(Shared& s) {
  const ContextApi& api = context_api();
  api.getcontext(&s.side);
  s.side.uc_stack.ss_sp = s.side_stack;
  s.side.uc_stack.ss_size = sizeof(s.side_stack);
  s.side.uc_link = nullptr;
  api.makecontext(&s.side, sigctx_context_side_entry, 0);
}

HoldPlan g_thread_plan;

// The capturing thread: holds the pattern, captures it and ends inside the capture. What
// follows sigctx_hold runs on the resuming thread, on this thread's stack.
void* capture_thread(void*) {
  Shared& s = *g_shared;
  s.capturing_fsbase = current_fsbase();
  s.in.host_fsbase = s.capturing_fsbase;
  s.in.host_gsbase = current_gsbase();
  sigctx_active_kernel = reinterpret_cast<const char*>(&sigctx_context_kernel_capture_exit);
  sigctx_hold(&s.in, &s.out, &g_thread_plan);
  s.mask_after = current_sigmask();
  sigctx_context_control.setcontext(sigctx_context_control.back);
  abort();  // setcontext failed
}

uint8_t irritator_role(ContextTransition t) {
  // Whoever ran between capture and resume: the handler, or for a resume on another thread,
  // that thread.
  return t == ContextTransition::kThread ? static_cast<uint8_t>(kRoleThread0 + 1) : handler_role(1);
}

// Where the transition resumed the held state: the instruction after the capturing call in the
// context kernel, or the hold's SYSCALL the handler interrupted.
InjectionPoint injection_point(ContextTransition t) {
  auto at = [](const char* kernel_name, const void* kernel, const char* label) {
    InjectionPoint p;
    p.kernel = kernel_name;
    p.offset = static_cast<uint64_t>(label - static_cast<const char*>(kernel));
    // Displayed at its offset, so a RIP-relative operand does not show the load address.
    p.instruction = disassemble(label, p.offset).text;
    return p;
  };
  switch (t) {
    case ContextTransition::kSetcontext:
      return at("sigctx_context_kernel_setcontext",
                reinterpret_cast<const void*>(&sigctx_context_kernel_setcontext),
                sigctx_context_setcontext_resumed);
    case ContextTransition::kSwapcontext:
      return at("sigctx_context_kernel_swapcontext",
                reinterpret_cast<const void*>(&sigctx_context_kernel_swapcontext),
                sigctx_context_swapcontext_resumed);
    case ContextTransition::kThread:
      return at("sigctx_context_kernel_capture_exit",
                reinterpret_cast<const void*>(&sigctx_context_kernel_capture_exit),
                sigctx_context_capture_resumed);
    case ContextTransition::kHandlerSetcontext:
    case ContextTransition::kHandlerSwapcontext:
      break;
  }
  return hold_injection_point(sigctx_hold_syscall);
}

}  // namespace

void run_context_case(const ContextCaseSpec& spec, const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  const ContextTransition t = spec.transition;
  if (const Availability a = context_api_available(); !a.ok) {
    r.status = Status::kSkip;
    r.reason = a.reason;
    return;
  }
  init_signal_runtime(m);
  const ContextApi& api = context_api();
  const ComponentMask available = available_components(m);
  // A call preserves no status flag, so no context API promises RFLAGS. FS and GS base are not
  // loaded (the libc needs its TLS): they must stay the resuming thread's own.
  ComponentMask checked = (spec.components ? spec.components : available) & available & ~kRflags;
  // A resume on another thread must leave that thread on its own TLS, whatever else is held.
  if (t == ContextTransition::kThread) checked |= available & kSegmentBases;
  const ComponentMask loaded = checked & ~kSegmentBases;
  const ComponentMask irritated = available & ~kSegmentBases & ~kRflags;
  const bool in_handler =
      t == ContextTransition::kHandlerSetcontext || t == ContextTransition::kHandlerSwapcontext;

  if (ctx.fault.active) {
    const std::string why = context_fault_unshowable(ctx.fault, checked, m);
    if (!why.empty()) {
      return r.set_error(
          fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec, why));
    }
  }

  std::unique_ptr<Shared, SharedDeleter> shared(map_shared<Shared>());
  if (!shared) {
    return r.set_error(
        fmt::format("mmap of the shared context area failed: {}", std::strerror(errno)));
  }
  Shared& s = *shared;
  g_shared = &s;
  g_fault = &ctx.fault;
  g_machine = &m;

  const RoutineList loaders = loaders_for(m, loaded);
  // FS and GS base are always stored: their store puts the thread's own base back, so a resume
  // that switched it (illumos-15206) cannot take the case's compiled code with it.
  const RoutineList stores = stores_for(m, checked | (available & kSegmentBases));
  const RoutineList irritator_loaders = loaders_for(m, irritated);
  const uint64_t options = default_hold_options(m);
  const HoldPlan kernel_plan{PLAN_ACTION_KERNEL, loaders.data(), stores.data(), options};
  const HoldPlan syscall_plan{PLAN_ACTION_SYSCALL, loaders.data(), stores.data(), options};
  g_handler_plan = kernel_plan;
  g_thread_plan = kernel_plan;

  ContextControl& c = sigctx_context_control;
  c = ContextControl{};
  c.getcontext = api.getcontext;
  c.setcontext = api.setcontext;
  c.swapcontext = api.swapcontext;
  c.primary = &s.primary;
  c.side = &s.side;
  c.back = &s.back;
  c.irritator_loaders = irritator_loaders.data();
  c.before_resume = before_resume;
  c.set_sigmask = 1;

  const uint16_t tag = seed_tag(ctx.seed);
  const pid_t pid = getpid();
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  s.resuming_fsbase = current_fsbase();
  s.resuming_gsbase = current_gsbase();
  const uint64_t original_mask = current_sigmask();
  if (t == ContextTransition::kHandlerSwapcontext)
    set_signal_handler(kPrimarySignal, handler_swapcontext);

  uint64_t resumes = 0;
  for (unsigned it = 0; it < kContextIterations; ++it) {
    const uint8_t gen = static_cast<uint8_t>(it + 1);
    const PatternSource main{tag, kRoleMain, gen};
    const PatternSource irr{tag, irritator_role(t), gen};
    const PatternSource side{tag, handler_role(2), gen};
    auto fill = [&](CpuImage& img, ComponentMask mask, const PatternSource& src) {
      img.clear();
      for (const ComponentDescriptor* comp : all_components())
        if (mask & component_bit(comp->id)) comp->fill(img, m, src, Shape::kLanes);
      img.host_fsbase = s.resuming_fsbase;
      img.host_gsbase = s.resuming_gsbase;
    };
    fill(s.in, loaded, main);
    fill(s.out, 0, main);
    fill(s.irritator, irritated, irr);
    if (in_handler) set_tgkill_args(s.in, pid, tid, kPrimarySignal);
    s.capturing_fsbase = s.resuming_fsbase;
    s.mask_after = s.handler_mask_before = s.handler_mask_after = 0;
    s.crash_signal = 0;
    c.irritator = &s.irritator;
    c.phase = 0;
    c.primary = &s.primary;
    // The mask each side runs with: neither blocks a signal the suite uses.
    const uint64_t main_mask = sigbit(SIGWINCH) | sigbit(40 + it % 8);
    c.irritator_sigmask = sigbit(SIGXCPU) | sigbit(50 + it % 8);
    if (t == ContextTransition::kHandlerSwapcontext) {
      // The handler holds a pattern of its own; the side context irritates with a third.
      fill(s.handler_in, loaded, PatternSource{tag, handler_role(1), gen});
      fill(s.handler_out, 0, main);
      fill(s.side_irritator, irritated, side);
      c.irritator = &s.side_irritator;
    }

    set_sigmask(main_mask);
    switch (t) {
      case ContextTransition::kSetcontext:
        sigctx_active_kernel = reinterpret_cast<const char*>(&sigctx_context_kernel_setcontext);
        sigctx_hold(&s.in, &s.out, &kernel_plan);
        s.mask_after = current_sigmask();
        break;
      case ContextTransition::kSwapcontext:
        prepare_side_context(s);
        sigctx_active_kernel = reinterpret_cast<const char*>(&sigctx_context_kernel_swapcontext);
        sigctx_hold(&s.in, &s.out, &kernel_plan);
        s.mask_after = current_sigmask();
        break;
      case ContextTransition::kHandlerSwapcontext:
        prepare_side_context(s);
        sigctx_hold(&s.in, &s.out, &syscall_plan);
        s.mask_after = current_sigmask();
        break;
      case ContextTransition::kHandlerSetcontext: {
        // The libc may crash resuming a kernel ucontext: each resume runs in a grandchild
        // that reports where a fatal signal hit.
        const pid_t child = fork_tied_to_parent();
        if (child == 0) {
          install_crash_recorder();
          set_signal_handler(kPrimarySignal, sigctx_context_handler_setcontext);
          set_tgkill_args(s.in, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), kPrimarySignal);
          sigctx_hold(&s.in, &s.out, &syscall_plan);
          s.mask_after = current_sigmask();
          s.handler_deliveries += c.delivered;
          _exit(0);
        }
        std::string detail;
        const GrandchildEnd end = wait_for_grandchild(child, 10000, &detail);
        if (end != GrandchildEnd::kExitedZero && s.crash_signal == 0) {
          r.status = Status::kError;
          r.reason = fmt::format("the resuming process {}",
                                 end == GrandchildEnd::kSegv ? "died of SIGSEGV" : detail);
          set_sigmask(original_mask);
          return;
        }
        break;
      }
      case ContextTransition::kThread: {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstack(&attr, s.thread_stack, sizeof(s.thread_stack));
        pthread_t thread;
        const int rc = pthread_create(&thread, &attr, capture_thread, nullptr);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
          r.status = Status::kError;
          r.reason = fmt::format("pthread_create failed: {}", std::strerror(rc));
          set_sigmask(original_mask);
          return;
        }
        pthread_join(thread, nullptr);
        if (c.phase != 1) {
          r.status = Status::kError;
          r.reason = "the capturing thread ended without capturing its context";
          set_sigmask(original_mask);
          return;
        }
        // The hold's stores put these back when the resumed code leaves the hold: they must be
        // this thread's, not the exited one's.
        s.out.host_fsbase = s.resuming_fsbase;
        s.out.host_gsbase = s.resuming_gsbase;
        sigctx_context_resume_here();
        break;
      }
    }
    set_sigmask(original_mask);
    ++resumes;

    if (s.crash_signal) {
      const std::string where = code_location(s.crash_rip);
      r.findings.push_back(
          {"context.resume_crashed",
           fmt::format("resuming {} raised {} at {} ({}), fault address {:#x}",
                       in_handler ? "the handler's ucontext with setcontext" : "the context",
                       fatal_signal_name(s.crash_signal), where,
                       disassemble_one(reinterpret_cast<const void*>(s.crash_rip)),
                       s.crash_address),
           "the interrupted code resumes", fatal_signal_name(s.crash_signal)});
      r.facts["crash_location"] = where;
      r.facts["failing_generation"] = gen;
      break;
    }
    if (in_handler && s.handler_deliveries < gen) {
      return r.set_error(fmt::format("the signal was not delivered in generation {}", gen));
    }

    // What must have come back.
    CpuImage expected = s.in;
    uint16_t gpr_skip = kCallerSavedGprs;
    if (t == ContextTransition::kHandlerSwapcontext) {
      // sigreturn restores every register; SYSCALL clobbered rcx and r11.
      expected.gpr[kRax] = 0;
      gpr_skip = (1u << kRcx) | (1u << kR11);
    }
    expected.gpr[kRsp] = s.out.rsp_before;
    expected.fsbase = s.resuming_fsbase;
    expected.gsbase = s.resuming_gsbase;

    ClassifyContext cls;
    cls.machine = &m;
    cls.known = {{main, Shape::kLanes}, {irr, Shape::kLanes}};
    if (t == ContextTransition::kHandlerSwapcontext) cls.known.push_back({side, Shape::kLanes});
    cls.expected = {main, Shape::kLanes};
    DiffOptions o;
    o.checked = checked;
    o.gpr_skip = gpr_skip;
    o.injection = injection_point(t);
    static constexpr const char* kWhere[] = {"after setcontext", "after swapcontext",
                                             "after setcontext of the handler's ucontext",
                                             "after sigreturn from a handler that swapped contexts",
                                             "after setcontext on another thread"};
    o.where = kWhere[static_cast<int>(t)];
    std::vector<RegisterDiff> diffs = diff_images(expected, s.out, m, o, cls);
    for (RegisterDiff& d : diffs) {
      if (t == ContextTransition::kThread && d.component == ComponentId::kFsbase &&
          d.actual.size() == 8) {
        uint64_t actual = 0;
        std::memcpy(&actual, d.actual.data(), 8);
        if (actual == s.capturing_fsbase) {
          d.cls = DiffClass::kForeign;
          d.source = "the FS base of the thread that captured the context";
        }
      }
    }
    r.add_diffs(std::move(diffs));
    if (auto f = check_sigmask(main_mask, s.mask_after, o.where)) r.findings.push_back(*f);

    if (t == ContextTransition::kHandlerSwapcontext) {
      CpuImage hexp = s.handler_in;
      hexp.gpr[kRsp] = s.handler_out.rsp_before;
      hexp.fsbase = s.resuming_fsbase;
      hexp.gsbase = s.resuming_gsbase;
      ClassifyContext hcls = cls;
      hcls.expected = {PatternSource{tag, handler_role(1), gen}, Shape::kLanes};
      hcls.known.push_back(hcls.expected);
      DiffOptions ho = o;
      ho.gpr_skip = kCallerSavedGprs;
      ho.where = "in the handler across swapcontext";
      ho.injection = injection_point(ContextTransition::kSwapcontext);
      r.add_diffs(diff_images(hexp, s.handler_out, m, ho, hcls));
      if (auto f = check_sigmask(s.handler_mask_before, s.handler_mask_after, ho.where))
        r.findings.push_back(*f);
    }
    if (r.failed()) {
      r.facts["failing_generation"] = gen;
      break;
    }
  }
  if (t == ContextTransition::kHandlerSwapcontext) uninstall_handler(kPrimarySignal);
  r.injections = in_handler ? s.handler_deliveries : resumes;
  r.facts["components"] = component_names(checked);
  r.facts["irritated"] = component_names(irritated);
  r.facts["context_api"] = "libc getcontext/setcontext/swapcontext/makecontext";
  r.set_verdict();
  g_shared = nullptr;
}

}  // namespace sigctx
