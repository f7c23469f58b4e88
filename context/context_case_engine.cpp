#include <dlfcn.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>
#include <memory>

#include "context/context_api.h"
#include "context/context_control.h"
#include "context/context_fault.h"
#include "context/context_transition.h"
#include "context/sigmask_check.h"
#include "engine/case_support.h"
#include "engine/emulation.h"
#include "engine/handler.h"
#include "xstate/component_registry.h"
#include "xstate/disasm.h"

namespace sigctx {

namespace {

constexpr ComponentMask kRflags = component_bit(ComponentId::kRflags);
constexpr int kCrashExit = 71;

struct SharedDeleter {
  void operator()(ContextShared* s) const { munmap(s, sizeof(ContextShared)); }
};

// The running case: signal handlers, the capturing thread and the resume hook get no argument.
ContextRun* g_run = nullptr;

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
  const FaultSpec& fault = g_run->ctx.fault;
  if (fault.active) apply_context_fault(fault, uc, *sigctx_context_control.irritator, g_run->m);
  ContextResumeSite site{uc, &g_run->m, g_run->s.capturing_fsbase, g_run->s.resuming_fsbase};
  emulate_on_context_resume(site);
}

// Fatal signals in a grandchild: where they hit, for the report.
void record_crash(int sig, siginfo_t* info, void* ucv) {
  const auto* uc = static_cast<const ucontext_t*>(ucv);
  ContextShared& s = g_run->s;
  s.crash_signal = sig;
  s.crash_rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
  s.crash_address = reinterpret_cast<uint64_t>(info->si_addr);
  _exit(kCrashExit);
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

// The case's masks, routines, plans and the context control block, before the first iteration.
void set_up(ContextRun& run, const ContextTransition& t, ComponentMask components) {
  const Machine& m = run.m;
  init_signal_runtime(m);
  const ContextApi& api = context_api();
  run.available = available_components(m);
  // A call preserves no status flag, so no context API promises RFLAGS. FS and GS base are not
  // loaded (the libc needs its TLS): they must stay the resuming thread's own.
  run.checked = (components ? components : run.available) & run.available & ~kRflags;
  if (t.checks_segment_bases()) run.checked |= run.available & kSegmentBases;
  run.loaded = run.checked & ~kSegmentBases;
  run.irritated = run.available & ~kSegmentBases & ~kRflags;
  run.loaders = loaders_for(m, run.loaded);
  // FS and GS base are always stored: their store puts the thread's own base back, so a resume
  // that switched it (illumos-15206) cannot take the case's compiled code with it.
  run.stores = stores_for(m, run.checked | (run.available & kSegmentBases));
  run.irritator_loaders = loaders_for(m, run.irritated);
  const uint64_t options = default_hold_options(m);
  run.routine_plan = {PLAN_ACTION_ROUTINE, run.loaders.data(), run.stores.data(), options};
  run.syscall_plan = {PLAN_ACTION_SYSCALL, run.loaders.data(), run.stores.data(), options};

  ContextControl& c = sigctx_context_control;
  c = ContextControl{};
  c.getcontext = api.getcontext;
  c.setcontext = api.setcontext;
  c.swapcontext = api.swapcontext;
  c.primary = &run.s.primary;
  c.side = &run.s.side;
  c.back = &run.s.back;
  c.irritator_loaders = run.irritator_loaders.data();
  c.before_resume = before_resume;
  c.set_sigmask = 1;

  run.tag = seed_tag(run.ctx.seed);
  run.pid = getpid();
  run.tid = static_cast<pid_t>(syscall(SYS_gettid));
  run.s.resuming_fsbase = current_fsbase();
  run.s.resuming_gsbase = current_gsbase();
  run.original_mask = current_sigmask();
}

// The iteration's patterns and masks; returns the mask the interrupted side runs with.
uint64_t arm_iteration(ContextRun& run, ContextTransition& t) {
  ContextShared& s = run.s;
  run.gen = static_cast<uint8_t>(run.iteration + 1);
  run.main = {run.tag, kRoleMain, run.gen};
  run.irr = {run.tag, t.irritator_role(), run.gen};
  run.side = {run.tag, handler_role(2), run.gen};
  run.fill(s.in, run.loaded, run.main);
  run.fill(s.out, 0, run.main);
  run.fill(s.irritator, run.irritated, run.irr);
  if (t.in_handler()) set_tgkill_args(s.in, run.pid, run.tid, kPrimarySignal);
  s.capturing_fsbase = s.resuming_fsbase;
  s.mask_after = s.handler_mask_before = s.handler_mask_after = 0;
  s.crash_signal = 0;
  ContextControl& c = sigctx_context_control;
  c.irritator = &s.irritator;
  c.phase = 0;
  c.primary = &s.primary;
  // The mask each side runs with: neither blocks a signal the suite uses.
  c.irritator_sigmask = sigbit(SIGXCPU) | sigbit(50 + run.iteration % 8);
  t.arm(run);
  return sigbit(SIGWINCH) | sigbit(40 + run.iteration % 8);
}

void report_crash(const ContextRun& run, const ContextTransition& t, CaseResult& r) {
  const ContextShared& s = run.s;
  const std::string where = code_location(s.crash_rip);
  r.findings.push_back(
      {"context.resume_crashed",
       fmt::format("resuming {} raised {} at {} ({}), fault address {:#x}",
                   t.in_handler() ? "the handler's ucontext with setcontext" : "the context",
                   fatal_signal_name(s.crash_signal), where,
                   disassemble_one(reinterpret_cast<const void*>(s.crash_rip)), s.crash_address),
       "the interrupted code resumes", fatal_signal_name(s.crash_signal)});
  r.facts["crash_location"] = where;
  r.facts["failing_generation"] = run.gen;
}

// The state and the signal mask that came back.
void check_resumed(ContextRun& run, ContextTransition& t, uint64_t main_mask, CaseResult& r) {
  const ContextShared& s = run.s;
  CpuImage expected = s.in;
  uint16_t gpr_skip = kCallerSavedGprs;
  t.expect(run, expected, gpr_skip);
  expected.gpr[kRsp] = s.out.rsp_before;
  expected.fsbase = s.resuming_fsbase;
  expected.gsbase = s.resuming_gsbase;

  ClassifyContext cls;
  cls.machine = &run.m;
  cls.known = {{run.main, Shape::kLanes}, {run.irr, Shape::kLanes}};
  t.add_known(run, cls);
  cls.expected = {run.main, Shape::kLanes};
  DiffOptions o;
  o.checked = run.checked;
  o.gpr_skip = gpr_skip;
  o.injection = t.injection_point();
  o.where = t.where();
  std::vector<RegisterDiff> diffs = diff_images(expected, s.out, run.m, o, cls);
  t.reclassify(run, diffs);
  r.add_diffs(std::move(diffs));
  if (auto f = check_sigmask(main_mask, s.mask_after, o.where)) r.findings.push_back(*f);
  t.check(run, o, cls, r);
}

// One iteration; false when the case must stop.
bool iterate(ContextRun& run, ContextTransition& t, uint64_t& resumes, CaseResult& r) {
  const uint64_t main_mask = arm_iteration(run, t);
  set_sigmask(main_mask);
  const bool resumed = t.resume(run, r);
  set_sigmask(run.original_mask);
  if (!resumed) return false;
  ++resumes;
  if (run.s.crash_signal) {
    report_crash(run, t, r);
    return false;
  }
  if (t.in_handler() && run.s.handler_deliveries < run.gen) {
    r.set_error(fmt::format("the signal was not delivered in generation {}", run.gen));
    return false;
  }
  check_resumed(run, t, main_mask, r);
  if (r.failed()) {
    r.facts["failing_generation"] = run.gen;
    return false;
  }
  return true;
}

}  // namespace

void ContextRun::fill(CpuImage& img, ComponentMask mask, const PatternSource& src) const {
  img.clear();
  for (const ComponentDescriptor* comp : all_components())
    if (mask & component_bit(comp->id)) comp->fill(img, m, src, Shape::kLanes);
  img.host_fsbase = s.resuming_fsbase;
  img.host_gsbase = s.resuming_gsbase;
}

InjectionPoint ContextTransition::injection_point() const {
  return hold_injection_point(sigctx_hold_syscall);
}

ContextRun& running_context() {
  return *g_run;
}

uint64_t current_sigmask() {
  uint64_t mask = 0;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &mask, sizeof(mask));
  return mask;
}

void hold_in_routine(ContextRun& run, const void* routine) {
  sigctx_active_routine = static_cast<const char*>(routine);
  sigctx_hold(&run.s.in, &run.s.out, &run.routine_plan);
}

void prepare_side_context(ContextShared& s) {
  const ContextApi& api = context_api();
  api.getcontext(&s.side);
  s.side.uc_stack.ss_sp = s.side_stack;
  s.side.uc_stack.ss_size = sizeof(s.side_stack);
  s.side.uc_link = nullptr;
  api.makecontext(&s.side, sigctx_context_side_entry, 0);
}

void set_signal_handler(int sig, void (*fn)(int, siginfo_t*, void*)) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
}

void install_crash_recorder() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = record_crash;
  sa.sa_flags = SA_SIGINFO;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    sigaction(sig, &sa, nullptr);
}

InjectionPoint routine_point(const char* routine_name, const void* routine, const char* label) {
  InjectionPoint p;
  p.routine = routine_name;
  p.offset = static_cast<uint64_t>(label - static_cast<const char*>(routine));
  // Displayed at its offset, so a RIP-relative operand does not show the load address.
  p.instruction = disassemble(label, p.offset).text;
  return p;
}

void run_context_case(ContextTransition& t, ComponentMask components, const CaseContext& ctx,
                      CaseResult& r) {
  if (const Availability a = context_api_available(); !a.ok) {
    r.status = Status::kSkip;
    r.reason = a.reason;
    return;
  }
  std::unique_ptr<ContextShared, SharedDeleter> shared(map_shared<ContextShared>());
  if (!shared) {
    return r.set_error(
        fmt::format("mmap of the shared context area failed: {}", std::strerror(errno)));
  }
  ContextRun run(ctx, *shared);
  set_up(run, t, components);
  if (ctx.fault.active) {
    const std::string why = context_fault_unshowable(ctx.fault, run.checked, run.m);
    if (!why.empty()) {
      return r.set_error(
          fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec, why));
    }
  }
  g_run = &run;
  t.prepare(run);
  uint64_t resumes = 0;
  for (run.iteration = 0; run.iteration < kContextIterations; ++run.iteration)
    if (!iterate(run, t, resumes, r)) break;
  if (r.status == Status::kError) return;
  t.finish(run);
  r.injections = t.in_handler() ? run.s.handler_deliveries : resumes;
  r.facts["components"] = component_names(run.checked);
  r.facts["irritated"] = component_names(run.irritated);
  r.facts["context_api"] = "libc getcontext/setcontext/swapcontext/makecontext";
  r.set_verdict();
  g_run = nullptr;
}

}  // namespace sigctx
