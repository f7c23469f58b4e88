#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>

#include "engine/case_support.h"
#include "signal/signal_transition.h"
#include "xstate/component_registry.h"
#include "xstate/init_state.h"

namespace sigctx {

namespace {

// Mixed shapes alternate lanes and init values across components; the seed picks the phase,
// so both halves get each shape across seeds.
Shape shape_of(const SignalVariant& v, const ComponentDescriptor& c, uint64_t seed) {
  if (!v.mixed) return v.shape;
  return ((static_cast<unsigned>(c.id) + (seed & 1)) & 1) ? Shape::kZero : Shape::kLanes;
}

void copy_component(CpuImage& dst, const CpuImage& src, const ComponentDescriptor& c,
                    const Machine& m) {
  for (const Field& f : fields_of(c, m))
    std::memcpy(dst.bytes() + f.offset, src.bytes() + f.offset, f.size);
}

// The first compared field in which the expected values equal the handler's: a leak there could
// not show, so the iteration would prove nothing about it. Empty when every field differs.
std::string colliding_field(const CpuImage& expected, const CpuImage& handler, ComponentMask mask,
                            uint16_t gpr_skip, const Machine& m) {
  for (const ComponentDescriptor* c : all_components()) {
    if (!(mask & component_bit(c->id))) continue;
    for (const Field& f : fields_of(*c, m)) {
      if (f.codec == Codec::kDerived || !c->field_applies(expected, f) ||
          !c->field_applies(handler, f))
        continue;
      if (c->id == ComponentId::kGpr && ((gpr_skip >> f.reg) & 1)) continue;
      bool equal;
      if (f.size <= 8) {
        uint64_t a = 0, b = 0;
        std::memcpy(&a, expected.bytes() + f.offset, f.size);
        std::memcpy(&b, handler.bytes() + f.offset, f.size);
        equal = ((a ^ b) & f.mask) == 0;
      } else {
        equal = std::memcmp(expected.bytes() + f.offset, handler.bytes() + f.offset, f.size) == 0;
      }
      if (equal) return fmt::format("{}.{}", c->name, f.name);
    }
  }
  return "";
}

// The case's components, routines and hold, before the first iteration.
void set_up(SignalRun& run, const SignalTransition& t, CaseResult& r) {
  const Machine& m = run.m;
  init_signal_runtime(m);
  run.plan.fault = run.ctx.fault;
  run.available = available_components(m);
  const ComponentMask requested = run.variant.components ? run.variant.components : run.available;
  run.loaded = requested & run.available;
  if (!run.variant.components && t.needs_frame()) run.loaded &= in_signal_frame(~ComponentMask{0});
  // FS/GS base are not restored by sigreturn on Linux, so the irritator leaves them alone.
  run.irritated = run.available & ~kSegmentBases;
  run.via_syscall = !t.spins();
  run.iterations = t.iterations();
  run.tag = seed_tag(run.ctx.seed);
  run.pid = getpid();
  run.tid = static_cast<pid_t>(syscall(SYS_gettid));
  run.host_gs = current_gsbase();

  // Zero-shaped XSAVE components start from their true init state (XRSTOR), the state kernels'
  // init tracking and XSTATE_BV see; the rest are loaded by their own routines.
  ComponentMask zero_shaped = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((run.loaded & component_bit(c->id)) &&
        shape_of(run.variant, *c, run.ctx.seed) == Shape::kZero)
      zero_shaped |= component_bit(c->id);
  run.init_loaded = init_loadable(m, zero_shaped);
  if (run.init_loaded) r.facts["init_state"] = component_names(run.init_loaded);

  run.loaders = loaders_for(m, run.loaded & ~run.init_loaded);
  run.stores = stores_for(m, run.loaded);
  run.irritator_loaders = loaders_for(m, run.irritated);
  run.nested_loaders = loaders_for(m, run.loaded);
  run.hold = {run.via_syscall ? uint64_t{PLAN_ACTION_SYSCALL} : uint64_t{PLAN_ACTION_SPIN},
              run.loaders.data(), run.stores.data(), default_hold_options(m)};
  run.point = hold_injection_point(run.via_syscall ? sigctx_hold_syscall : sigctx_hold_spin);
  run.interrupted_rip = run.via_syscall
                            ? reinterpret_cast<uint64_t>(sigctx_hold_syscall) + 2  // after SYSCALL
                            : reinterpret_cast<uint64_t>(sigctx_hold_spin);
}

// The iteration's patterns: the interrupted code's and the two handler levels' irritators.
void fill_iteration(SignalRun& run) {
  const uint8_t gen = run.gen;
  run.main = {run.tag, kRoleMain, gen};
  run.h1 = {run.tag, handler_role(1), gen};
  run.h2 = {run.tag, handler_role(2), gen};
  run.ed = {run.tag, kRoleEdit, gen};
  SignalImages& img = run.img;
  img.in->clear();
  run.fill(*img.in, run.loaded, run.main, true);
  img.in->host_fsbase = sigctx_host_fsbase;
  img.in->host_gsbase = run.host_gs;
  img.in->init_mask = xsave_init_mask(run.init_loaded);
  if (run.via_syscall) set_tgkill_args(*img.in, run.pid, run.tid, kPrimarySignal);
  img.out->clear();
  img.out->host_fsbase = sigctx_host_fsbase;
  img.out->host_gsbase = run.host_gs;

  // The irritators also carry FS/GS base values: a leak fault uses them.
  img.irritator1->clear();
  run.fill(*img.irritator1, run.available, run.h1, false);
  img.irritator2->clear();
  run.fill(*img.irritator2, run.available, run.h2, false);
  run.plan.irritator[0] = {img.irritator1.get(), run.irritator_loaders.data()};
  run.plan.irritator[1] = {img.irritator2.get(), run.irritator_loaders.data()};
  run.edited = 0;
  run.plan.snapshot = nullptr;
  img.snapshot->captured = false;
}

// What must have come back, in img.expected; false (r's error set) when the iteration could not
// show a leak or the injected fault.
bool expect(SignalRun& run, CaseResult& r) {
  const Machine& m = run.m;
  CpuImage& expected = *run.img.expected;
  expected = *run.img.in;
  run.gpr_skip = 0;
  if (run.via_syscall) {
    expected.gpr[kRax] = 0;                      // tgkill's return value
    run.gpr_skip = (1u << kRcx) | (1u << kR11);  // SYSCALL's own clobbers
  }
  for (const ComponentDescriptor* c : all_components())
    if (run.edited & component_bit(c->id)) copy_component(expected, *run.img.edit, *c, m);
  if (run.edited & component_bit(ComponentId::kGpr)) run.gpr_skip = 0;  // sigreturn loads them
  expected.gpr[kRsp] = run.img.out->rsp_before;

  const std::string collision =
      colliding_field(expected, *run.img.irritator1, run.loaded & run.irritated, run.gpr_skip, m);
  if (!collision.empty()) {
    r.set_error(
        fmt::format("pattern collision in generation {}: {} holds the same value for the "
                    "interrupted code and the handler, so a leak could not show",
                    run.gen, collision));
    return false;
  }
  const FaultSpec& fault = run.ctx.fault;
  if (fault.active && fault.field >= 0 && fault.level == 1 &&
      (run.loaded & component_bit(fault.component))) {
    const ComponentDescriptor& fc = component(fault.component);
    const Field& ff = fields_of(fc, m)[static_cast<size_t>(fault.field)];
    if (!fc.field_applies(expected, ff)) {
      r.set_error(fmt::format(
          "--inject-fault {} cannot show here: {} is empty in the state this case expects",
          fault.spec, ff.name));
      return false;
    }
  }
  if (fault.active && fault.component == ComponentId::kGpr && fault.field >= 0) {
    const unsigned reg =
        fields_of(component(ComponentId::kGpr), m)[static_cast<size_t>(fault.field)].reg;
    const bool zero_rax = reg == kRax && fault.kind == FaultKind::kZero && run.via_syscall &&
                          !(run.edited & component_bit(ComponentId::kGpr));
    if (((run.gpr_skip >> reg) & 1) || zero_rax) {
      r.set_error(fmt::format(
          "--inject-fault {} cannot show here: {}", fault.spec,
          zero_rax ? "rax is expected to be 0 (tgkill's return value) already"
                   : "this transition does not check rcx and r11 (SYSCALL clobbers them)"));
      return false;
    }
  }
  return true;
}

// Which delivery the first difference came back from: "signal 3 of 8", or for transitions that
// hold the state across several, "iteration 2 of 4 (signals 65 to 128 of 256)".
std::string failed_delivery(const SignalRun& run) {
  const uint64_t done = run.iteration + 1;
  const uint64_t per = done ? run.intended / done : 0;
  if (per <= 1) return fmt::format("signal {} of {}", done, run.iterations);
  return fmt::format("iteration {} of {} (signals {} to {} of {})", done, run.iterations,
                     run.intended - per + 1, run.intended, per * run.iterations);
}

// What every transition checks: the state after sigreturn, the frame edit's values, and what
// the handler was entered with.
void check_shared(SignalRun& run, CaseResult& r) {
  const Machine& m = run.m;
  run.cls = {};
  run.cls.machine = &m;
  run.cls.known = {{run.main, run.variant.shape},
                   {run.h1, Shape::kLanes},
                   {run.h2, Shape::kLanes},
                   {run.ed, Shape::kLanes}};
  run.cls.expected = {run.main, run.variant.shape};
  const CpuImage& expected = *run.img.expected;
  if (!run.delivered_now) return;
  const bool first_failure = !r.failed();
  r.add_diffs(diff_images(expected, *run.img.out, m,
                          run.options(run.loaded & ~run.edited, "after sigreturn"), run.cls));
  if (run.edited) {
    ClassifyContext cls_edit = run.cls;
    cls_edit.expected = {run.ed, Shape::kLanes};
    r.add_diffs(diff_images(expected, *run.img.out, m,
                            run.options(run.edited, "after sigreturn (frame edit)"), cls_edit));
  }
  if (first_failure && r.failed()) r.facts["failed_delivery"] = failed_delivery(run);
  const HandlerObservation& obs = run.plan.observed[1];
  if ((run.loaded & component_bit(ComponentId::kRflags)) && (obs.rflags & RFLAGS_DF))
    r.findings.push_back({"handler.rflags.df",
                          "the handler was entered with DF set; the ABI requires it clear at "
                          "function entry",
                          "DF=0", fmt::format("rflags {:#x}", obs.rflags)});
  if (run.loaded & kSegmentBases) {
    *run.img.seen = expected;
    run.img.seen->fsbase = obs.fsbase;
    run.img.seen->gsbase = obs.gsbase;
    r.add_diffs(diff_images(expected, *run.img.seen, m,
                            run.options(run.loaded & kSegmentBases, "at handler entry"), run.cls));
  }
}

// After the first iteration: which init-state components the hardware really tracked as init
// at the transition.
void record_init_tracking(SignalRun& run, CaseResult& r) {
  if (!run.init_loaded || run.iteration != 0 || !(default_hold_options(run.m) & PLAN_OPT_XINUSE))
    return;
  ComponentMask still_in_use = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((run.init_loaded & component_bit(c->id)) && ((run.img.out->xinuse >> c->xsave_index) & 1))
      still_in_use |= component_bit(c->id);
  r.facts["init_state_in_use_at_transition"] = component_names(still_in_use);
}

// One iteration; false when the case must stop (an error, or a failure to report).
bool iterate(SignalRun& run, SignalTransition& t, CaseResult& r) {
  run.gen = static_cast<uint8_t>(run.iteration + 1);
  fill_iteration(run);
  if (!t.arm(run, r)) return false;
  run.plan.fault_armed = true;
  const uint64_t delivered_before = run.plan.delivered[1].load();
  if (!t.fire(run, r)) return false;
  run.delivered_now = run.plan.delivered[1].load() > delivered_before;
  record_init_tracking(run, r);
  if (!expect(run, r)) return false;
  check_shared(run, r);
  t.check(run, r);
  if (r.failed()) {
    r.facts["failing_generation"] = run.gen;
    return false;
  }
  return true;
}

}  // namespace

SignalRun::SignalRun(const SignalVariant& v, const CaseContext& c)
    : variant(v), ctx(c), m(c.machine), plan(handler_plan()) {}

void SignalRun::fill(CpuImage& image, ComponentMask mask, const PatternSource& src,
                     bool shaped) const {
  for (const ComponentDescriptor* c : all_components())
    if (mask & component_bit(c->id))
      c->fill(image, m, src, shaped ? shape_of(variant, *c, ctx.seed) : Shape::kLanes);
}

DiffOptions SignalRun::options(ComponentMask checked, const char* where) const {
  DiffOptions o;
  o.checked = checked;
  o.gpr_skip = gpr_skip;
  o.where = where;
  o.injection = point;
  return o;
}

std::string SignalTransition::description(const SignalVariant& v) const {
  return fmt::format("{}: {}", v.description, what());
}

bool SignalTransition::prepare(SignalRun&, CaseResult&) {
  install_handler(kPrimarySignal, false);
  return true;
}

bool SignalTransition::fire(SignalRun& run, CaseResult&) {
  sigctx_hold(run.img.in.get(), run.img.out.get(), &run.hold);
  run.intended += 1;
  return true;
}

void SignalTransition::uninstall(SignalRun&) {
  uninstall_handler(kPrimarySignal);
}

std::string SignalTransition::shortfall(const SignalRun& run) const {
  const uint64_t delivered = run.plan.delivered[1].load();
  if (delivered >= run.intended) return "";
  return fmt::format("delivered {} of {} intended signals", delivered, run.intended);
}

void run_signal_case(SignalTransition& t, const SignalVariant& v, const CaseContext& ctx,
                     CaseResult& r) {
  SignalRun run(v, ctx);
  set_up(run, t, r);
  if (!t.prepare(run, r)) return;
  for (run.iteration = 0; run.iteration < run.iterations; ++run.iteration)
    if (!iterate(run, t, r)) break;
  if (r.status == Status::kError || !t.finish(run, r)) return;

  const uint64_t delivered = run.plan.delivered[1].load();
  r.injections = delivered + run.plan.delivered[2].load();
  r.facts["signals"] = delivered;
  t.add_facts(run, r);
  r.facts["components"] = component_names(run.loaded);
  t.uninstall(run);
  if (!r.failed()) {
    if (const std::string why = t.shortfall(run); !why.empty()) return r.set_error(why);
  }
  r.set_verdict();
}

}  // namespace sigctx
