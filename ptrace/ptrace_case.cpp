// How a ptrace case runs. The tracee (a forked child) asks to be traced, stops itself, and then
// runs the hold with no transition: its pattern is loaded when it reaches sigctx_hold_none,
// where the tracer's execute breakpoint (DR0) stops it before any store. The tracer reads or
// writes there, disarms the breakpoint and lets it go on; the hold stores what the tracee then
// holds into shared memory, and the tracer checks that too.
#include "ptrace/ptrace_case.h"

#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "base/tied_fork.h"
#include "engine/case_support.h"
#include "engine/emulation.h"
#include "engine/hold.h"
#include "engine/ptrace_views.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"
#include "xstate/xsave_area.h"

namespace sigctx {

namespace {

constexpr int kTimeoutMs = 5000;
constexpr unsigned kMaxSteps = 200000;
constexpr int kTracemeFailed = 3;

struct PtraceShared {
  CpuImage out;
  bool stored = false;
  int traceme_errno = 0;
};

// Waits for the next stop or end of pid; false on timeout (the tracee is then killed).
bool wait_event(pid_t pid, int* status) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  for (unsigned polls = 0;;) {
    const pid_t got = waitpid(pid, status, WNOHANG | __WALL);
    if (got == pid) return true;
    if (got < 0 || std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, status, __WALL);
      return false;
    }
    // A single step stops the tracee within microseconds: yield first, sleep only after.
    if (++polls < 200)
      sched_yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by {}", strsignal(WTERMSIG(status)));
  if (WIFSTOPPED(status)) return fmt::format("stopped with {}", strsignal(WSTOPSIG(status)));
  return fmt::format("changed state ({:#x})", status);
}

// Linux (6.18 here) loses track of its own TF when PTRACE_SINGLESTEP steps over a POPF that
// clears TF (the hold's load of the pattern's RFLAGS): the next step's TF counts as the tracee's,
// PTRACE_CONT leaves it set, and the tracee traps one instruction later (docs/findings.md). The
// pattern never sets TF, so a TF seen at the target is the stepping's: cleared, and said.
bool clear_stepping_tf(pid_t pid, std::string* how, std::string* why) {
  user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, pid, nullptr, &regs) != 0) {
    *why = fmt::format("PTRACE_GETREGS: {}", std::strerror(errno));
    return false;
  }
  if (!(regs.eflags & RFLAGS_TF)) return true;
  regs.eflags &= ~uint64_t{RFLAGS_TF};
  if (ptrace(PTRACE_SETREGS, pid, nullptr, &regs) != 0) {
    *why = fmt::format("PTRACE_SETREGS: {}", std::strerror(errno));
    return false;
  }
  *how += "; cleared the TF the steps left set after the hold's POPF";
  return true;
}

// An int3 written into the tracee's code with PTRACE_POKETEXT, as a debugger's software
// breakpoint: the tracee runs to it, and the tracer puts the byte back and rewinds rip.
bool stop_at_int3(pid_t pid, uint64_t target, std::string* why) {
  errno = 0;
  const long word = ptrace(PTRACE_PEEKTEXT, pid, reinterpret_cast<void*>(target), nullptr);
  if (errno != 0) {
    *why = fmt::format("PTRACE_PEEKTEXT: {}", std::strerror(errno));
    return false;
  }
  const long patched = (word & ~0xffL) | 0xcc;
  if (ptrace(PTRACE_POKETEXT, pid, reinterpret_cast<void*>(target),
             reinterpret_cast<void*>(patched)) != 0) {
    *why = fmt::format("PTRACE_POKETEXT: {}", std::strerror(errno));
    return false;
  }
  int status = 0;
  if (ptrace(PTRACE_CONT, pid, nullptr, nullptr) != 0 || !wait_event(pid, &status)) {
    *why = "the tracee never reached the int3";
    return false;
  }
  user_regs_struct regs;
  if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP ||
      ptrace(PTRACE_GETREGS, pid, nullptr, &regs) != 0 || regs.rip != target + 1) {
    *why = "at the int3 the tracee " + describe_status(status);
    return false;
  }
  regs.rip = target;
  if (ptrace(PTRACE_POKETEXT, pid, reinterpret_cast<void*>(target),
             reinterpret_cast<void*>(word)) != 0 ||
      ptrace(PTRACE_SETREGS, pid, nullptr, &regs) != 0) {
    *why = fmt::format("putting the code back after the int3: {}", std::strerror(errno));
    return false;
  }
  return true;
}

// Brings the stopped tracee to `target` and says how in *how: a debug-register breakpoint
// there; where the platform probe found those accepted and never firing (platform/debug-
// registers), an int3 written into its code where int3 reaches the tracer; else single steps up
// to it.
bool stop_at(pid_t pid, uint64_t target, const PlatformCapabilities& platform, std::string* how,
             std::string* why) {
  int status = 0;
  std::string bp_why = platform.ptrace_breakpoint.detail;
  if (platform.ptrace_breakpoint.usable() && set_exec_breakpoint(pid, target, &bp_why)) {
    *how = "debug-register breakpoint";
    if (ptrace(PTRACE_CONT, pid, nullptr, nullptr) != 0 || !wait_event(pid, &status)) {
      *why = "the tracee never reached the breakpoint";
      return false;
    }
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
      *why = "at the breakpoint the tracee " + describe_status(status);
      return false;
    }
    return set_exec_breakpoint(pid, 0, why);
  }
  if (platform.int3.usable()) {
    *how = "int3 written with PTRACE_POKETEXT (" + bp_why + ")";
    return stop_at_int3(pid, target, why);
  }
  *how = "PTRACE_SINGLESTEP (" + bp_why + "; " + platform.int3.detail + ")";
  for (unsigned step = 0; step < kMaxSteps; ++step) {
    uint64_t rip = 0;
    if (!read_rip(pid, &rip, why)) return false;
    if (rip == target) return clear_stepping_tf(pid, how, why);
    if (ptrace(PTRACE_SINGLESTEP, pid, nullptr, nullptr) != 0 || !wait_event(pid, &status) ||
        !WIFSTOPPED(status)) {
      *why = "single-stepping, the tracee " + describe_status(status);
      return false;
    }
  }
  *why = fmt::format("the tracee did not reach the hold in {} single steps", kMaxSteps);
  return false;
}

struct Images {
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> tracer = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> written = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> other = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> view = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> expected = std::make_unique<CpuImage>();
};

// The tracer's writes in kWrite: every loaded component, each through its interface.
bool write_tracer_values(pid_t pid, const Machine& m, ComponentMask loaded, const CpuImage& w,
                         std::string* why) {
  if (loaded & (component_bit(ComponentId::kGpr) | component_bit(ComponentId::kRflags))) {
    auto cur = std::make_unique<CpuImage>();
    cur->clear();
    if (!read_ptrace_view(pid, PtraceView::kGetRegs, m, *cur, why)) return false;
    if (loaded & component_bit(ComponentId::kGpr)) std::memcpy(cur->gpr, w.gpr, sizeof(w.gpr));
    const uint64_t mask = (loaded & component_bit(ComponentId::kRflags))
                              ? fields_of(component(ComponentId::kRflags), m).front().mask
                              : 0;
    cur->rflags = w.rflags;
    if (!write_gprs_rflags(pid, *cur, mask, why)) return false;
  }
  bool any_xsave = false;
  for (const ComponentDescriptor* c : all_components())
    any_xsave |= (loaded & component_bit(c->id)) && c->xsave_index >= 0;
  if (any_xsave) {
    std::vector<uint8_t> area;
    if (!get_xstate_regset(pid, area, why)) return false;
    XsaveArea a(area.data(), area.size(), true);
    for (const ComponentDescriptor* c : all_components())
      if ((loaded & component_bit(c->id)) && c->xsave_index >= 0 && !a.write(*c, m, w)) {
        *why = fmt::format("{} does not fit the NT_X86_XSTATE regset", c->name);
        return false;
      }
    if (!set_xstate_regset(pid, area)) {
      *why = fmt::format("PTRACE_SETREGSET NT_X86_XSTATE: {}", std::strerror(errno));
      return false;
    }
  }
  if ((loaded & component_bit(ComponentId::kFsbase)) && !write_fsbase_pokeuser(pid, w.fsbase, why))
    return false;
  if ((loaded & component_bit(ComponentId::kGsbase)) &&
      !write_gsbase_arch_prctl(pid, w.gsbase, why))
    return false;
  return true;
}

const char* bad_header_name(BadHeader b) {
  switch (b) {
    case BadHeader::kXcompBv:
      return "XCOMP_BV bit 63 (compacted format)";
    case BadHeader::kReserved:
      return "a nonzero reserved header byte";
    case BadHeader::kXstateBvBeyondXcr0:
      return "an XSTATE_BV bit XCR0 lacks";
  }
  return "?";
}

// Corrupts the header as `b` says; the XMM slots carry the tracer's values, so an accepted
// write shows in the tracee too.
void corrupt_header(BadHeader b, const Machine& m, std::vector<uint8_t>& area, const CpuImage& w) {
  XsaveArea a(area.data(), area.size(), true);
  a.write(component(ComponentId::kSse), m, w);
  switch (b) {
    case BadHeader::kXcompBv: {
      const uint64_t v = (1ull << 63) | a.xstate_bv();
      std::memcpy(area.data() + kXsaveHeaderOffset + 8, &v, 8);
      break;
    }
    case BadHeader::kReserved:
      area[kXsaveHeaderOffset + 16 + 7] = 0x80;
      break;
    case BadHeader::kXstateBvBeyondXcr0:
      for (unsigned bit = 2; bit < 63; ++bit)
        if (!((m.xcr0 >> bit) & 1)) {
          a.set_xstate_bv(a.xstate_bv() | (1ull << bit));
          break;
        }
      break;
  }
}

// One case's state.
struct PtraceRun {
  const PtraceCaseSpec& spec;
  const CaseContext& ctx;
  const Machine& m;
  PtraceShared* shared = nullptr;
  ComponentMask loaded = 0;
  PatternSource own, tracer, other;
  Images img;
  RoutineList loaders, stores;
  HoldPlan hold{};
  pid_t pid = 0;
  ClassifyContext cls;
  DiffOptions o;
  std::string why;       // what a failed tracer request says
  int failed_errno = 0;  // and its errno
};

// The patterns and the hold; false with r's error set.
bool set_up(PtraceRun& run, CaseResult& r) {
  const Machine& m = run.m;
  const CaseContext& ctx = run.ctx;
  const PtraceCaseSpec& spec = run.spec;
  const ComponentMask available = available_components(m);
  const bool all = spec.mode == PtraceMode::kWriteInit || spec.mode == PtraceMode::kBadHeader;
  run.loaded = (all || !spec.components ? available : spec.components) & available;
  if (ctx.fault.active && (all || ctx.fault.kind == FaultKind::kGuard ||
                           !(run.loaded & component_bit(ctx.fault.component)))) {
    r.set_error(fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec,
                            all ? "this mode has no register the tracer reads or writes alone"
                                : "the case does not hold that component"));
    return false;
  }
  run.shared = map_shared<PtraceShared>();
  if (!run.shared) {
    r.set_error(fmt::format("mmap: {}", std::strerror(errno)));
    return false;
  }
  const uint16_t tag = seed_tag(ctx.seed);
  run.own = {tag, kRoleMain, 1};
  run.tracer = {tag, kRoleEdit, 1};
  run.other = {tag, static_cast<uint8_t>(kRoleProcess0 + 1), 1};
  Images& img = run.img;
  img.in->clear();
  img.tracer->clear();
  img.other->clear();
  for (const ComponentDescriptor* c : all_components())
    if (run.loaded & component_bit(c->id)) {
      c->fill(*img.in, m, run.own, Shape::kLanes);
      c->fill(*img.tracer, m, run.tracer, Shape::kLanes);
      c->fill(*img.other, m, run.other, Shape::kLanes);
    }
  img.in->host_fsbase = current_fsbase();
  img.in->host_gsbase = current_gsbase();
  run.loaders = loaders_for(m, run.loaded);
  run.stores = stores_for(m, run.loaded);
  run.hold.action = PLAN_ACTION_NONE;
  run.hold.loaders = run.loaders.data();
  run.hold.stores = run.stores.data();
  run.hold.options = default_hold_options(m);
  run.cls.machine = &m;
  run.cls.known = {
      {run.own, Shape::kLanes}, {run.tracer, Shape::kLanes}, {run.other, Shape::kLanes}};
  run.cls.expected = {run.own, Shape::kLanes};
  // The kRoleEdit values are the tracer's: one the tracee still holds means its write was lost.
  run.cls.edit_writer = "the tracer's write";
  run.cls.edit_not_taken = "the tracer's write did not take effect";
  run.o.injection = hold_injection_point(sigctx_hold_none);
  return true;
}

// Forks the tracee and stops it at its hold; false with r's status set (a skip where the
// kernel refuses PTRACE_TRACEME).
bool start_tracee(PtraceRun& run, CaseResult& r) {
  run.pid = fork_tied_to_parent();
  if (run.pid < 0) {
    r.set_error(fmt::format("fork: {}", std::strerror(errno)));
    return false;
  }
  if (run.pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) {
      run.shared->traceme_errno = errno;
      _exit(kTracemeFailed);
    }
    raise(SIGSTOP);
    auto out = std::make_unique<CpuImage>();
    out->clear();
    out->host_fsbase = run.img.in->host_fsbase;
    out->host_gsbase = run.img.in->host_gsbase;
    sigctx_hold(run.img.in.get(), out.get(), &run.hold);
    run.shared->out = *out;
    run.shared->stored = true;
    _exit(0);
  }
  int status = 0;
  if (!wait_event(run.pid, &status) || !WIFSTOPPED(status)) {
    const bool refused = WIFEXITED(status) && WEXITSTATUS(status) == kTracemeFailed;
    r.status = refused ? Status::kSkip : Status::kError;
    r.reason = refused ? fmt::format("PTRACE_TRACEME: {} (already traced, or ptrace is forbidden)",
                                     std::strerror(run.shared->traceme_errno))
                       : "before its stop the tracee " + describe_status(status);
    return false;
  }
  std::string how, why;
  if (!stop_at(run.pid, reinterpret_cast<uint64_t>(sigctx_hold_none), run.m.platform, &how, &why)) {
    kill(run.pid, SIGKILL);
    waitpid(run.pid, nullptr, __WALL);
    r.set_error(why);
    return false;
  }
  ++r.injections;
  r.facts["stop"] = how;
  return true;
}

// ptrace/read: every view that holds a loaded component must show the tracee's values.
bool read_views(PtraceRun& run, CaseResult& r) {
  const Machine& m = run.m;
  for (PtraceView v : all_ptrace_views()) {
    const ComponentMask holds = ptrace_view_components(v, m) & run.loaded;
    if (!holds) continue;
    run.img.view->clear();
    if (!read_ptrace_view(run.pid, v, m, *run.img.view, &run.why)) {
      run.failed_errno = errno;
      return false;
    }
    // --inject-fault: the view reports the register wrong, as a kernel that copied the wrong
    // bytes out would.
    if (run.ctx.fault.active && (holds & component_bit(run.ctx.fault.component)))
      apply_fault_to_image(run.ctx.fault, m, *run.img.view, *run.img.other);
    run.o.checked = holds;
    run.o.where = fmt::format("in the tracer's {} view", ptrace_view_name(v));
    for (RegisterDiff& d : diff_images(*run.img.in, *run.img.view, m, run.o, run.cls))
      r.diffs.push_back(std::move(d));
  }
  return true;
}

// ptrace/write: the tracer's values into every loaded component.
bool write_values(PtraceRun& run, CaseResult&) {
  *run.img.written = *run.img.tracer;
  // --inject-fault: the tracer writes the tracee's own value (leak), a flipped bit or zero into
  // the register instead of its own, as a kernel that dropped the write would leave it.
  if (run.ctx.fault.active)
    apply_fault_to_image(run.ctx.fault, run.m, *run.img.written, *run.img.in);
  const bool ok = write_tracer_values(run.pid, run.m, run.loaded, *run.img.written, &run.why);
  run.failed_errno = errno;
  return ok;
}

// ptrace/write-init: the component's XSTATE_BV bit cleared in the regset.
bool write_init(PtraceRun& run, CaseResult&) {
  const ComponentDescriptor& c = component(run.spec.init_component);
  std::vector<uint8_t> area;
  bool ok = get_xstate_regset(run.pid, area, &run.why);
  run.failed_errno = errno;
  if (!ok) return false;
  XsaveArea a(area.data(), area.size(), true);
  a.set_xstate_bv(a.xstate_bv() & ~(1ull << c.xsave_index));
  ok = set_xstate_regset(run.pid, area);
  run.failed_errno = errno;
  if (!ok) run.why = fmt::format("PTRACE_SETREGSET NT_X86_XSTATE: {}", std::strerror(errno));
  return ok;
}

// ptrace/bad-header: a regset whose header XRSTOR would reject must be refused.
bool write_bad_header(PtraceRun& run, CaseResult& r) {
  std::vector<uint8_t> area;
  const bool ok = get_xstate_regset(run.pid, area, &run.why);
  run.failed_errno = errno;
  if (!ok) return false;
  corrupt_header(run.spec.bad_header, run.m, area, *run.img.tracer);
  emulate_on_ptrace_xstate_write(run.m, area.data(), area.size());
  if (set_xstate_regset(run.pid, area))
    r.findings.push_back({"ptrace.setregset_bad_header",
                          fmt::format("PTRACE_SETREGSET NT_X86_XSTATE accepted a header with "
                                      "{}, which XRSTOR rejects (CVE-2017-15537)",
                                      bad_header_name(run.spec.bad_header)),
                          "EINVAL", "success"});
  else
    r.facts["setregset_errno"] = std::strerror(errno);
  return true;
}

// What the tracer does at the stop, by mode.
bool act(PtraceRun& run, CaseResult& r) {
  switch (run.spec.mode) {
    case PtraceMode::kRead:
      return read_views(run, r);
    case PtraceMode::kWrite:
      return write_values(run, r);
    case PtraceMode::kWriteInit:
      return write_init(run, r);
    case PtraceMode::kBadHeader:
      return write_bad_header(run, r);
  }
  return true;
}

// A refused tracer request ends the case: a regset the kernel does not offer (user-mode Linux
// has neither NT_PRFPREG nor NT_X86_XSTATE: EIO) is the platform's deviation, which Linux on the
// hardware never shows: a finding. Anything else stopped the case before it could decide.
void report_refused(PtraceRun& run, CaseResult& r) {
  kill(run.pid, SIGKILL);
  waitpid(run.pid, nullptr, __WALL);
  if (run.failed_errno == EIO || run.failed_errno == ENODEV) {
    r.findings.push_back({"ptrace.request_refused", run.why, "the tracee's registers",
                          std::strerror(run.failed_errno)});
    r.status = Status::kFail;
    r.reason = "the kernel refused the tracer's access: " + run.why;
    return;
  }
  r.set_error(run.why);
}

// What the tracee must hold when it goes on, and where that is reported.
void expect_after(PtraceRun& run, CaseResult& r) {
  const PtraceCaseSpec& spec = run.spec;
  const CpuImage& out = run.shared->out;
  CpuImage& expected = *run.img.expected;
  expected = *run.img.in;
  run.o.checked = run.loaded;
  run.o.where = "in the tracee after the tracer's stop";
  if (spec.mode == PtraceMode::kWrite) {
    expected = *run.img.tracer;
    run.cls.expected = {run.tracer, Shape::kLanes};
    run.o.where = "in the tracee after the tracer's writes";
  } else if (spec.mode == PtraceMode::kWriteInit) {
    component(spec.init_component).init(expected);
    run.o.where = fmt::format("in the tracee after the tracer cleared XSTATE_BV[{}]",
                              component(spec.init_component).xsave_index);
    // MXCSR with XSTATE_BV[1] clear: the standard form of XRSTOR loads it from the buffer
    // whenever RFBM[1] or RFBM[2] is set, the compacted form and XRSTORS (what a kernel using
    // XSAVES restores with) initialize it to 0x1f80 (SDM vol. 1, 13.8). Either is the kernel's
    // right; the fact says which this one did.
    if (spec.init_component == ComponentId::kSse &&
        (out.mxcsr == run.img.in->mxcsr || out.mxcsr == 0x1f80)) {
      r.facts["mxcsr_after_sse_init"] =
          out.mxcsr == run.img.in->mxcsr && run.img.in->mxcsr != 0x1f80
              ? "kept (the standard-form XRSTOR rule)"
              : "0x1f80 (the compacted-form XRSTOR and XRSTORS rule)";
      expected.mxcsr = out.mxcsr;
    }
  } else if (spec.mode == PtraceMode::kBadHeader) {
    run.o.where = "in the tracee after a SETREGSET with a bad header";
  }
  expected.gpr[kRsp] = out.rsp_before;
}

}  // namespace

std::string ptrace_unavailable(const Machine& m) {
  if (m.env.qemu_user) return "qemu-user does not implement ptrace";
  if (m.env.valgrind)
    return "under valgrind a tracer sees the registers of valgrind's JIT, not the program's";
  // The tracee stops at the hold by a debug-register breakpoint, or by single steps: without
  // either, the platform findings say why.
  using P = PlatformCapabilities;
  if (!m.platform.ptrace_breakpoint.usable() && !m.platform.int3.usable() &&
      !m.platform.ptrace_singlestep.usable())
    return "the tracee cannot be stopped at its hold: " +
           platform_finding(m, &P::ptrace_breakpoint) + "; " + platform_finding(m, &P::int3) +
           "; and " + platform_finding(m, &P::ptrace_singlestep);
  return {};
}

void run_ptrace_case(const PtraceCaseSpec& spec, const CaseContext& ctx, CaseResult& r) {
  PtraceRun run{spec, ctx, ctx.machine};
  if (!set_up(run, r) || !start_tracee(run, r)) return;
  if (!act(run, r)) return report_refused(run, r);
  int status = 0;
  if (ptrace(PTRACE_CONT, run.pid, nullptr, nullptr) != 0 || !wait_event(run.pid, &status) ||
      !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !run.shared->stored) {
    return r.set_error("after the tracer let it go, the tracee " + describe_status(status));
  }
  expect_after(run, r);
  for (RegisterDiff& d : diff_images(*run.img.expected, run.shared->out, run.m, run.o, run.cls))
    r.diffs.push_back(std::move(d));
  r.facts["components"] = component_names(run.loaded);
  set_final_status(ctx.fault, r);
}

}  // namespace sigctx
