// signal/altstack/pkey-denied. The interrupted code holds PKRU with every key access-disabled
// except a freshly allocated key K: key 0, which the sigaltstack and everything else carry,
// included. So it runs on a stack, with its images and hold plan, in pages tagged with K. The
// kernel must still write the frame onto the sigaltstack (since 6.12 Linux enables every key
// around the XSAVE), run the handler with its init PKRU, and on sigreturn restore every
// component, PKRU included.
//
// Before 6.12 the XSAVE into the frame ran under the interrupted PKRU, faulted, and the task
// was killed with SIGSEGV (linux-pkru-altstack); 6.12 on AMD left XSTATE_BV[PKRU] clear in this
// very frame, so PKRU came back 0 (linux-6.12-pkru). Each delivery runs in a forked grandchild
// over shared memory, so a task the kernel kills ends only the grandchild.
#include "signal/pkey_altstack_case.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>
#include <memory>
#include <new>

#include "base/tied_fork.h"
#include "engine/altstack.h"
#include "engine/case_support.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

// glibc 2.35+ registers an rseq area per thread and says where (weak: other libcs do not).
extern "C" {
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
}

extern "C" void sigctx_call_on_stack(void (*fn)(const void*, void*, const void*), const void* a,
                                     void* b, const void* c, void* stack_top);

namespace sigctx {

namespace {

constexpr unsigned kIterations = 8;
constexpr size_t kKeyedStackBytes = 64 * 1024;
constexpr int kCrashExit = 86;

// Everything the interrupted code touches while its PKRU denies key 0: tagged with K in the
// grandchild (the case's own mapping keeps key 0, so it reads the results after).
struct alignas(4096) KeyedWorkspace {
  CpuImage in;
  CpuImage out;
  HoldPlan plan;
  RoutineList loaders, stores;
  alignas(64) uint8_t stack[kKeyedStackBytes];
};

// What the grandchild reports besides the workspace.
struct Report {
  int key = -1;
  int setup_errno = 0;
  const char* setup_step = "";
  uint64_t delivered = 0;
  uint64_t frame_rsp = 0;
  uint32_t handler_pkru = 0;
  bool fault_applied = false;
  bool rseq_unregistered = false;
  // A fault of the grandchild's own (not the kernel's kill, which resets the handler first).
  int crash_signal = 0;
  int crash_code = 0;
  uint64_t crash_rip = 0, crash_address = 0;
  // The PKRU the faulting code ran with, from the crash's frame.
  bool crash_pkru_known = false;
  uint32_t crash_pkru = 0;
};

Report* g_report = nullptr;
const Machine* g_machine = nullptr;

// A fault in the grandchild itself. SEGV_PKUERR inside the hold after sigreturn means the
// restored PKRU denies the interrupted code its own key: the frame's PKRU says which.
void record_crash(int sig, siginfo_t* info, void* ucv) {
  const auto* uc = static_cast<const ucontext_t*>(ucv);
  g_report->crash_signal = sig;
  g_report->crash_code = info->si_code;
  g_report->crash_rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
  g_report->crash_address = reinterpret_cast<uint64_t>(info->si_addr);
  const SignalFrame frame = SignalFrame::live(ucv);
  const ComponentDescriptor& pkru = component(ComponentId::kPkru);
  if (frame.has_xstate()) {
    const Field& f = fields_of(pkru, *g_machine)[0];
    if (const uint8_t* slot = frame.slot(pkru, f, g_machine->xsave)) {
      const bool init = !((frame.xstate_bv() >> pkru.xsave_index) & 1);
      uint32_t v = 0;
      if (!init) std::memcpy(&v, slot, 4);
      g_report->crash_pkru = v;
      g_report->crash_pkru_known = true;
    }
  }
  _exit(kCrashExit);
}

// The kernel writes a thread's rseq area (in its TLS, key 0) on the way back to user space,
// under the interrupted PKRU: with key 0 denied, Linux 6.18 kills the task with SIGSEGV at the
// handler's first instruction. That is rseq's constraint, not the frame's, so the delivering
// process unregisters it, as the kernel's own pkey signal tests avoid it. Returns whether an
// area was registered.
bool unregister_rseq() {
  if (&__rseq_size == nullptr || &__rseq_offset == nullptr || __rseq_size == 0) return false;
  constexpr int kRseqFlagUnregister = 1;
  constexpr uint32_t kRseqSig = 0x53053053;  // glibc's x86 RSEQ_SIG
  char* area = static_cast<char*>(__builtin_thread_pointer()) + __rseq_offset;
  const unsigned len = __rseq_size < 32 ? 32 : __rseq_size;
  return syscall(SYS_rseq, area, len, kRseqFlagUnregister, kRseqSig) == 0;
}

[[noreturn]] void setup_failed(Report* rep, const char* step) {
  rep->setup_errno = errno;
  rep->setup_step = step;
  _exit(5);
}

// The grandchild: one delivery with PKRU denying key 0.
[[noreturn]] void deliver(const CaseContext& ctx, KeyedWorkspace* ws, Report* rep,
                          const CpuImage* irritator, ComponentMask loaded,
                          const GuardedAltstack& stack) {
  const Machine& m = ctx.machine;
  g_report = rep;
  g_machine = &m;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = record_crash;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  for (int sig : {SIGSEGV, SIGBUS, SIGILL})
    sigaction(sig, &sa, nullptr);

  rep->rseq_unregistered = unregister_rseq();
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  const RoutineList irritator_loaders = loaders_for(m, available_components(m) & ~kSegmentBases);
  plan.irritator[0] = {irritator, irritator_loaders.data()};
  plan.fault = ctx.fault;
  plan.fault_armed = true;
  plan.guard_fault_address = stack.below();
  install_handler(kPrimarySignal, true);
  if (!stack.install()) setup_failed(rep, "sigaltstack");

  // Access and writes allowed for the new key in this thread, until the hold loads its PKRU.
  const int key = pkey_alloc(0, 0);
  if (key < 0) setup_failed(rep, "pkey_alloc");
  rep->key = key;
  if (pkey_mprotect(ws, sizeof(KeyedWorkspace), PROT_READ | PROT_WRITE, key) != 0)
    setup_failed(rep, "pkey_mprotect");

  ws->in.pkru = pkru_denying_all_but(key);
  ws->in.host_fsbase = sigctx_host_fsbase;
  ws->in.host_gsbase = current_gsbase();
  set_tgkill_args(ws->in, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), kPrimarySignal);
  ws->out.clear();
  ws->out.host_fsbase = ws->in.host_fsbase;
  ws->out.host_gsbase = ws->in.host_gsbase;
  ws->loaders = loaders_for(m, loaded);
  ws->stores = stores_for(m, loaded);
  ws->plan = {PLAN_ACTION_SYSCALL, ws->loaders.data(), ws->stores.data(), default_hold_options(m)};
  sigctx_call_on_stack(reinterpret_cast<void (*)(const void*, void*, const void*)>(&sigctx_hold),
                       &ws->in, &ws->out, &ws->plan, ws->stack + kKeyedStackBytes);
  GuardedAltstack::disable();
  rep->delivered = plan.delivered[1].load();
  rep->frame_rsp = plan.observed[1].frame_rsp;
  rep->handler_pkru = plan.observed[1].pkru;
  rep->fault_applied = plan.fault_applied;
  _exit(0);
}

}  // namespace

void run_pkey_altstack_case(const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  const ComponentMask loaded = available_components(m);
  if (ctx.fault.active && ctx.fault.component == ComponentId::kGpr && ctx.fault.field >= 0) {
    const unsigned reg =
        fields_of(component(ComponentId::kGpr), m)[static_cast<size_t>(ctx.fault.field)].reg;
    if (reg == kRcx || reg == kR11 || (reg == kRax && ctx.fault.kind == FaultKind::kZero)) {
      return r.set_error(fmt::format(
          "--inject-fault {} cannot show here: rcx and r11 are SYSCALL's, and rax is tgkill's "
          "return value",
          ctx.fault.spec));
    }
  }
  auto* ws = map_shared<KeyedWorkspace>();
  auto* rep = map_shared<Report>();
  GuardedAltstack stack(64 * 1024, /*shared=*/true);
  if (!ws || !rep || !stack.ok()) {
    return r.set_error(fmt::format("mmap: {}", std::strerror(errno)));
  }
  const uint16_t tag = seed_tag(ctx.seed);
  auto irritator = std::make_unique<CpuImage>(), expected = std::make_unique<CpuImage>(),
       seen = std::make_unique<CpuImage>();
  uint64_t delivered = 0;
  const InjectionPoint point = hold_injection_point(sigctx_hold_syscall);

  for (unsigned it = 0; it < kIterations && !r.failed(); ++it) {
    const uint8_t gen = static_cast<uint8_t>(it + 1);
    const PatternSource main{tag, kRoleMain, gen}, h1{tag, handler_role(1), gen};
    ws->in.clear();
    irritator->clear();
    for (const ComponentDescriptor* c : all_components()) {
      if (!(loaded & component_bit(c->id))) continue;
      c->fill(ws->in, m, main, Shape::kLanes);
      c->fill(*irritator, m, h1, Shape::kLanes);
    }
    *rep = Report();
    std::string detail;
    GrandchildEnd end = GrandchildEnd::kOther;
    const pid_t pid = fork_tied_to_parent();
    if (pid == 0) deliver(ctx, ws, rep, irritator.get(), loaded, stack);
    if (pid < 0) {
      return r.set_error(fmt::format("fork: {}", std::strerror(errno)));
    }
    end = wait_for_grandchild(pid, 5000, &detail);
    ++r.injections;
    r.facts["protection_key"] = rep->key;
    if (rep->rseq_unregistered) r.facts["rseq"] = "unregistered in the delivering process";
    r.facts["interrupted_pkru"] = fmt::format("{:#010x}", ws->in.pkru);

    if (rep->setup_errno) {
      r.status = Status::kSkip;
      r.reason = fmt::format("{} failed: {}", rep->setup_step, std::strerror(rep->setup_errno));
      return;
    }
    ClassifyContext cls;
    cls.machine = &m;
    cls.known = {{main, Shape::kLanes}, {h1, Shape::kLanes}};
    cls.expected = {main, Shape::kLanes};
    DiffOptions o;
    o.checked = loaded;
    o.gpr_skip = (1u << kRcx) | (1u << kR11);  // SYSCALL's own clobbers
    o.where = "after sigreturn (PKRU denying the sigaltstack's key)";
    o.injection = point;

    const bool in_hold = rep->crash_rip >= reinterpret_cast<uint64_t>(&sigctx_hold) &&
                         rep->crash_rip < reinterpret_cast<uint64_t>(sigctx_hold_end);
    if (rep->crash_signal == SIGSEGV && rep->crash_code == SEGV_PKUERR && in_hold &&
        rep->crash_pkru_known && rep->crash_pkru != ws->in.pkru) {
      // PKRU came back wrong, and the interrupted code could not reach its own pages.
      *expected = ws->in;
      *seen = ws->in;
      seen->pkru = rep->crash_pkru;
      DiffOptions only_pkru = o;
      only_pkru.checked = component_bit(ComponentId::kPkru);
      for (RegisterDiff& d : diff_images(*expected, *seen, m, only_pkru, cls))
        r.diffs.push_back(std::move(d));
      r.facts["faulted_after_sigreturn"] = fmt::format(
          "SEGV_PKUERR at sigctx_hold+{}, address {:#x}: the restored PKRU denies the "
          "interrupted code its own key {}",
          rep->crash_rip - reinterpret_cast<uint64_t>(&sigctx_hold), rep->crash_address, rep->key);
      r.facts["failing_generation"] = gen;
      break;
    }
    if (rep->crash_signal) {
      return r.set_error(fmt::format(
          "the interrupted code itself faulted: signal {} (si_code {}) at {:#x}, address {:#x}",
          rep->crash_signal, rep->crash_code, rep->crash_rip, rep->crash_address));
    }
    if (end == GrandchildEnd::kSegv) {
      r.findings.push_back(
          {"altstack.pkey_delivery",
           fmt::format("the task was killed by SIGSEGV when SIGUSR1 was delivered on a "
                       "sigaltstack with protection key 0 while the interrupted code's PKRU "
                       "({:#010x}) denied that key: the kernel wrote the frame under the "
                       "interrupted PKRU instead of enabling the keys it needs",
                       ws->in.pkru),
           "delivered, handler run, state restored", "SIGSEGV"});
      r.facts["failing_generation"] = gen;
      break;
    }
    if (end != GrandchildEnd::kExitedZero) {
      return r.set_error(fmt::format("the delivering grandchild {}", detail));
    }
    delivered += rep->delivered;
    r.facts["handler_pkru"] = fmt::format("{:#010x}", rep->handler_pkru);

    *expected = ws->in;
    expected->gpr[kRax] = 0;  // tgkill's return value
    expected->gpr[kRsp] = ws->out.rsp_before;
    for (RegisterDiff& d : diff_images(*expected, ws->out, m, o, cls))
      r.diffs.push_back(std::move(d));
    for (auto& f : stack.check_guards())
      r.findings.push_back(std::move(f));
    if (rep->frame_rsp < reinterpret_cast<uint64_t>(stack.sp()) || rep->frame_rsp >= stack.top())
      r.findings.push_back({"altstack.used", "the signal was not delivered on the alternate stack",
                            fmt::format("frame in [{:#x}, {:#x})",
                                        reinterpret_cast<uint64_t>(stack.sp()), stack.top()),
                            fmt::format("frame at {:#x}", rep->frame_rsp)});
    if (r.failed()) r.facts["failing_generation"] = gen;
  }
  r.facts["signals"] = delivered;
  r.facts["components"] = component_names(loaded);
  if (!r.failed() && delivered < kIterations) {
    return r.set_error(fmt::format("delivered {} of {} intended signals", delivered, kIterations));
  }
  r.set_verdict();
}

}  // namespace sigctx
