// signal/badframe/*: the handler breaks (or, for xstate-bv-init, merely rewrites) the FPU
// header of its frame, then returns. The kernel
// must either kill the task with SIGSEGV or restore exactly the components the frame still
// declares, the rest in their init state; restoring anything else (the handler's values,
// another task's) is a failure, and so is a silent FP/SSE-only restore of a well-formed smaller
// frame (linux-fx-only-fallback). Linux's documented fallback, FP/SSE only when magic2 is
// absent, is an expected deviation: an entry of results/expectations/linux.json. A handler that
// sees no XSAVE frame (valgrind's) changes nothing. Each delivery runs in a forked grandchild,
// whose restored state comes back over shared memory, so a SIGSEGV ends only the grandchild.
#include "signal/badframe_cases.h"
#include "signal/signal_reproducer.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>
#include <new>

#include "base/tied_fork.h"
#include "engine/case_support.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {

namespace {

// What an FXSAVE-only frame carries.
constexpr ComponentMask kFpSse = component_bit(ComponentId::kX87) |
                                 component_bit(ComponentId::kMxcsr) |
                                 component_bit(ComponentId::kSse);
constexpr uint64_t kXfeaturesFpSseAvx = 0x7;

void write32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}
void write64(uint8_t* p, uint64_t v) {
  std::memcpy(p, &v, 8);
}

// The lowest XSAVE component above AVX that XCR0 does not enable: 0 when there is none.
unsigned unsupported_bit(const Machine& m) {
  for (unsigned i = 3; i < 63; ++i)
    if (!m.xcr0_has(i)) return i;
  return 0;
}

// The well-formed smaller frame CRIU and gVisor write: FP, SSE and (where enabled) AVX only.
uint64_t smaller_features(const Machine& m) {
  return kXfeaturesFpSseAvx & m.xcr0;
}

void break_magic1(SignalFrame& f, const Machine&) {
  write32(f.raw_fpstate() + kSwReservedOffset, ~kFpXstateMagic1);
}
void break_magic2(SignalFrame& f, const Machine&) {
  write32(f.raw_fpstate() + f.xstate_size(), ~kFpXstateMagic2);
}
void drop_magic2(SignalFrame& f, const Machine&) {
  write32(f.raw_fpstate() + f.xstate_size(), 0);
}
void shrink_to_fp_sse_avx(SignalFrame& f, const Machine& m) {
  const uint64_t features = smaller_features(m);
  const uint32_t size = m.xsave.standard_size(features);
  uint8_t* fp = f.raw_fpstate();
  write32(fp + kSwReservedOffset + 4, size + 4);  // extended_size
  write64(fp + kSwReservedOffset + 8, features);  // xfeatures
  write32(fp + kSwReservedOffset + 16, size);     // xstate_size
  write32(fp + size, kFpXstateMagic2);
  f.set_xstate_bv(f.xstate_bv() & features);
}
// A valid header that asks for init state: XSTATE_BV keeps FP and SSE only, while the data of
// every other component stays in the frame.
void clear_xstate_bv_above_sse(SignalFrame& f, const Machine&) {
  f.set_xstate_bv(f.xstate_bv() & 0x3);
}
void set_unsupported_bit(SignalFrame& f, const Machine& m) {
  f.set_xstate_bv(f.xstate_bv() | (1ull << unsupported_bit(m)));
}
void set_header_reserved(SignalFrame& f, const Machine&) {
  // Byte 16 is one XRSTOR itself checks; byte 40 one only software can.
  f.raw_fpstate()[kXsaveHeaderOffset + 16] = 0x01;
  f.raw_fpstate()[kXsaveHeaderOffset + 40] = 0x80;
}
void set_xcomp_bv(SignalFrame& f, const Machine&) {
  write64(f.raw_fpstate() + kXsaveHeaderOffset + 8, 1);
}

ComponentMask declares_all(const Machine&, ComponentMask loaded) {
  return loaded;
}
ComponentMask declares_fp_sse(const Machine&, ComponentMask loaded) {
  return loaded & kFpSse;
}
ComponentMask declares_smaller(const Machine& m, ComponentMask loaded) {
  ComponentMask out = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((loaded & component_bit(c->id)) && c->xsave_index >= 0 &&
        ((smaller_features(m) >> c->xsave_index) & 1))
      out |= component_bit(c->id);
  return out | (loaded & component_bit(ComponentId::kMxcsr));
}

Availability needs_xsave_frames(const Machine& m) {
  if (!m.features.xsave || !m.features.osxsave)
    return Availability::no("no XSAVE enabled: Linux writes FXSAVE-only frames, with no header");
  return Availability::yes();
}
// A smaller frame than the kernel's needs a kernel frame beyond FP, SSE and AVX (an AVX-only
// CPU's frame is already the smaller one).
Availability needs_state_beyond_fp_sse_avx(const Machine& m) {
  Availability a = needs_xsave_frames(m);
  if (a.ok && (m.xcr0 & ~smaller_features(m)) == 0)
    return Availability::no(
        "XCR0 enables no state beyond FP, SSE and AVX: the kernel's frame is already the "
        "smaller one");
  return a;
}
Availability needs_unsupported_bit(const Machine& m) {
  Availability a = needs_xsave_frames(m);
  if (a.ok && !unsupported_bit(m))
    return Availability::no("XCR0 enables every XSAVE component: no bit is unsupported");
  return a;
}

struct BadFrame {
  const char* name;
  const char* description;
  std::vector<std::string> guards;
  void (*mangle)(SignalFrame&, const Machine&);
  ComponentMask (*declares)(const Machine&, ComponentMask loaded);
  Availability (*needs)(const Machine&);
  // The same change in the reproducer's C (signal_reproducer.h): statements on the frame's
  // XSAVE area `xs`, whose xstate_size is `size`.
  const char* c_mangle;
};

const std::vector<BadFrame>& bad_frames() {
  static const std::vector<BadFrame> frames = {
      {"magic1",
       "fpstate magic1 broken: the frame reads as a plain FXSAVE frame",
       {"valgrind-sigcontext"},
       break_magic1,
       declares_fp_sse,
       needs_xsave_frames,
       R"C(put32(xs + 464, ~0x46505853u); /* magic1 */)C"},
      {"magic2",
       "magic2 after xstate_size broken",
       {},
       break_magic2,
       declares_all,
       needs_xsave_frames,
       R"C(put32(xs + size, ~0x46505845u); /* magic2 */)C"},
      {"magic2-missing",
       "magic2 after xstate_size zeroed",
       {},
       drop_magic2,
       declares_all,
       needs_xsave_frames,
       R"C(put32(xs + size, 0); /* magic2 */)C"},
      {"xstate-size-smaller",
       "a well-formed smaller frame as CRIU and gVisor write it: xstate_size, xfeatures and "
       "XSTATE_BV cover FP, SSE and AVX only, magic2 at the smaller size",
       {"linux-fx-only-fallback", "illumos-15254", "valgrind-sigcontext"},
       shrink_to_fp_sse_avx,
       declares_smaller,
       needs_state_beyond_fp_sse_avx,
       R"C(/* FP, SSE and (where enabled) AVX only: extended_size, xfeatures, xstate_size, magic2 */
    unsigned a, b, c, d;
    __cpuid_count(0xd, 2, a, b, c, d);
    const uint64_t features = xcr0 & 7;
    const uint32_t small = features & 4 ? b + a : 576;
    put32(xs + 468, small + 4);
    put64(xs + 472, features);
    put32(xs + 480, small);
    put32(xs + small, 0x46505845);
    put64(xs + 512, get64(xs + 512) & features);)C"},
      {"xstate-bv-init",
       "XSTATE_BV cleared for every component above SSE, their data left in the frame: a valid "
       "request for their init state",
       {"qemu-user-xfeatures", "illumos-15254", "valgrind-sigcontext"},
       clear_xstate_bv_above_sse,
       declares_fp_sse,
       needs_xsave_frames,
       R"C(put64(xs + 512, get64(xs + 512) & 3); /* XSTATE_BV: FP and SSE only */)C"},
      {"xstate-bv-unsupported",
       "XSTATE_BV with a bit XCR0 does not enable",
       {"cve-2017-15537"},
       set_unsupported_bit,
       declares_all,
       needs_unsupported_bit,
       R"C(int bit = 3; /* the lowest XSTATE_BV bit above AVX that XCR0 lacks */
    while (xcr0 >> bit & 1) bit++;
    put64(xs + 512, get64(xs + 512) | 1ull << bit);)C"},
      {"header-reserved",
       "non-zero reserved bytes in the XSAVE header",
       {"cve-2017-15537"},
       set_header_reserved,
       declares_all,
       needs_xsave_frames,
       R"C(xs[512 + 16] = 0x01, xs[512 + 40] = 0x80; /* reserved header bytes */)C"},
      {"xcomp-bv",
       "a non-zero XCOMP_BV in a standard-format frame",
       {"cve-2017-15537"},
       set_xcomp_bv,
       declares_all,
       needs_xsave_frames,
       R"C(put64(xs + 520, 1); /* XCOMP_BV */)C"},
  };
  return frames;
}

// What the grandchild hands back.
struct Shared {
  CpuImage out;
  uint64_t delivered = 0;
  bool fault_applied = false;
};

GrandchildEnd deliver_in_grandchild(const BadFrame& bf, const CaseContext& ctx, const CpuImage& in,
                                    const CpuImage& irritator, ComponentMask loaded, Shared* shared,
                                    std::string* detail) {
  const Machine& m = ctx.machine;
  const pid_t pid = fork_tied_to_parent();
  if (pid == 0) {
    init_signal_runtime(m);
    HandlerPlan& plan = handler_plan();
    const RoutineList irritator_loaders = loaders_for(m, available_components(m) & ~kSegmentBases);
    plan.irritator[0] = {&irritator, irritator_loaders.data()};
    plan.mangle_frame = bf.mangle;
    plan.fault = ctx.fault;  // --inject-fault: the checker's own mutation test
    plan.fault_armed = true;
    install_handler(kPrimarySignal, false);
    static CpuImage hold_in;
    hold_in = in;
    hold_in.host_fsbase = sigctx_host_fsbase;
    hold_in.host_gsbase = current_gsbase();
    set_tgkill_args(hold_in, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), kPrimarySignal);
    shared->out.clear();
    shared->out.host_fsbase = hold_in.host_fsbase;
    shared->out.host_gsbase = hold_in.host_gsbase;
    const RoutineList loaders = loaders_for(m, loaded);
    const RoutineList stores = stores_for(m, loaded);
    const HoldPlan hold{PLAN_ACTION_SYSCALL, loaders.data(), stores.data(),
                        default_hold_options(m)};
    sigctx_hold(&hold_in, &shared->out, &hold);
    shared->delivered = plan.delivered[1].load();
    shared->fault_applied = plan.fault_applied;
    _exit(0);
  }
  if (pid < 0) {
    *detail = fmt::format("fork: {}", std::strerror(errno));
    return GrandchildEnd::kOther;
  }
  return wait_for_grandchild(pid, 5000, detail);
}

void run_badframe(const BadFrame& bf, const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  // The FPU state the frame header governs; GPRs are another case's business.
  const ComponentMask loaded =
      in_signal_frame(available_components(m)) &
      ~(component_bit(ComponentId::kGpr) | component_bit(ComponentId::kRflags));
  if (ctx.fault.active &&
      (ctx.fault.kind == FaultKind::kGuard || !(loaded & component_bit(ctx.fault.component)))) {
    return r.set_error(fmt::format(
        "--inject-fault {} cannot show here: badframe cases check {}, on no alternate stack",
        ctx.fault.spec, component_names(loaded)));
  }
  const uint16_t tag = seed_tag(ctx.seed);
  const PatternSource main{tag, kRoleMain, 1}, h1{tag, handler_role(1), 1};
  auto in = std::make_unique<CpuImage>(), irritator = std::make_unique<CpuImage>(),
       expected = std::make_unique<CpuImage>();
  in->clear();
  irritator->clear();
  for (const ComponentDescriptor* c : all_components()) {
    if (loaded & component_bit(c->id)) c->fill(*in, m, main, Shape::kLanes);
    if (c->availability(m).ok) c->fill(*irritator, m, h1, Shape::kLanes);
  }

  auto* shared = map_shared<Shared>();
  if (!shared) {
    return r.set_error(fmt::format("mmap: {}", std::strerror(errno)));
  }
  std::string detail;
  const GrandchildEnd outcome =
      deliver_in_grandchild(bf, ctx, *in, *irritator, loaded, shared, &detail);
  r.injections = 1;

  if (outcome == GrandchildEnd::kSegv) {
    r.facts["outcome"] = "SIGSEGV: the kernel refused the frame";
    r.status = Status::kPass;
  } else if (outcome == GrandchildEnd::kOther) {
    r.status = Status::kFail;
    r.reason = fmt::format(
        "sigreturn with the broken frame neither returned nor ended in "
        "SIGSEGV: {}",
        detail);
  } else if (shared->delivered != 1) {
    r.status = Status::kError;
    r.reason = fmt::format("{} deliveries instead of 1", shared->delivered);
  } else if (ctx.fault.active && !shared->fault_applied) {
    r.status = Status::kError;
    r.reason = fmt::format("--inject-fault {} never fired", ctx.fault.spec);
  } else {
    const ComponentMask declared = bf.declares(m, loaded);
    r.facts["outcome"] = "returned";
    r.facts["declared"] = component_names(declared);
    *expected = *in;
    for (const ComponentDescriptor* c : all_components())
      if ((loaded & component_bit(c->id)) && !(declared & component_bit(c->id))) c->init(*expected);
    ClassifyContext cls;
    cls.machine = &m;
    cls.known = {{main, Shape::kLanes}, {h1, Shape::kLanes}};
    cls.expected = {main, Shape::kLanes};
    // What the frame no longer declares it asks to be put in init state: the interrupted
    // code's value there is one the frame's header should have replaced (class stale).
    ClassifyContext cls_undeclared = cls;
    cls_undeclared.expected = {{tag, kRoleEdit, 1}, Shape::kZero};
    DiffOptions o;
    o.where = "after sigreturn with the altered frame";
    o.injection = hold_injection_point(sigctx_hold_syscall);
    o.checked = declared;
    r.diffs = diff_images(*expected, shared->out, m, o, cls);
    o.checked = loaded & ~declared;
    for (RegisterDiff& d : diff_images(*expected, shared->out, m, o, cls_undeclared))
      r.diffs.push_back(std::move(d));
    if (r.diffs.empty()) {
      r.status = Status::kPass;
    } else {
      r.status = Status::kFail;
    }
  }
  shared->~Shared();
  munmap(shared, sizeof(Shared));
}

constexpr const char* kBadframeHooks = R"C(
__attribute__((unused)) static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
__attribute__((unused)) static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
__attribute__((unused)) static uint64_t get64(const uint8_t *p) { uint64_t v; return memcpy(&v, p, 8), v; }
static void set_up(struct sigaction *sa) { (void)sa; }
static void arm(void) { arm_tgkill(SIGNO); }
static void disarm(void) {}
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)uc;
  if (lv == 1 && xs) {
    uint32_t size;
    memcpy(&size, xs + 480, 4);
    MANGLE
  }
  return 1;
}
)C";

// The FPU state the frame header governs, the GPRs aside, as run_badframe loads it.
ReproducerPlan badframe_reproducer(const BadFrame& bf, const Machine& m) {
  ReproducerPlan p;
  ComponentMask fpu = 0;
  for (const ComponentDescriptor* c : all_components())
    if (c->in_signal_frame && c->id != ComponentId::kGpr && c->id != ComponentId::kRflags &&
        reproducer_component_gap(component_bit(c->id)).empty())
      fpu |= component_bit(c->id);
  p.checked = fpu;
  p.available_only = true;
  p.what = fmt::format("signal/badframe/{}: {}", bf.name, bf.description);
  p.macros = fmt::format(
      "#define SIGNO SIGUSR1\n#define PER_HOLD 1\n#define SIGSEGV_ALLOWED 1\n"
      "#define EXPECT MAIN\n/* What the broken frame no longer declares comes back in its init "
      "state. */\n#define EXPECT_INIT {:#x}u\n",
      fpu & ~bf.declares(m, fpu));
  p.driver = kSignalDriver;
  p.emulation_points = "EMULATE_ON_ENTRY EMULATE_ON_RETURN";
  std::string hooks = fmt::format(
      "\n/* signal/badframe/{}: {}. The handler changes its frame so; the kernel must kill the "
      "task with SIGSEGV or restore exactly the components the frame still declares. */",
      bf.name, bf.description);
  std::string body = kBadframeHooks;
  body.replace(body.find("MANGLE"), 6, bf.c_mangle);
  p.hooks = hooks + body;
  return p;
}

}  // namespace

std::vector<CaseDescriptor> badframe_cases() {
  std::vector<CaseDescriptor> out;
  for (const BadFrame& bf : bad_frames()) {
    CaseDescriptor d;
    d.id = fmt::format("signal/badframe/{}", bf.name);
    d.description = fmt::format(
        "{}: sigreturn must kill the task with SIGSEGV or restore exactly what the frame "
        "declares",
        bf.description);
    d.guards = bf.guards;
    d.transition = "signal/badframe";
    d.handler = "clobber, then break the frame's FPU header";
    d.injector = "raw tgkill syscall in a forked grandchild";
    d.routine = "sigctx_hold";
    d.applicable = bf.needs;
    const BadFrame* which = &bf;
    d.run = [which](const CaseContext& ctx, CaseResult& r) { run_badframe(*which, ctx, r); };
    d.reproducer = [which](const Machine& m) { return badframe_reproducer(*which, m); };
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sigctx
