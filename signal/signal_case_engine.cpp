#include "signal/signal_case_engine.h"

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>
#include <memory>

#include "engine/altstack.h"
#include "engine/case_support.h"
#include "engine/frame_abi.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "engine/sender.h"
#include "engine/yield_sibling.h"
#include "xstate/component_registry.h"
#include "xstate/disasm.h"
#include "xstate/init_state.h"

namespace sigctx {

const char* transition_name(SignalTransition t) {
  switch (t) {
    case SignalTransition::kSync:
      return "sync";
    case SignalTransition::kAsync:
      return "async";
    case SignalTransition::kFrame:
      return "frame";
    case SignalTransition::kEdit:
      return "edit";
    case SignalTransition::kNested:
      return "nested";
    case SignalTransition::kAltstack:
      return "altstack";
  }
  return "?";
}

namespace {

// Mixed shapes alternate lanes and init values across components; the seed picks the phase,
// so both halves get each shape across seeds.
Shape shape_of(const SignalCaseSpec& spec, const ComponentDescriptor& c, uint64_t seed) {
  if (!spec.mixed) return spec.shape;
  return ((static_cast<unsigned>(c.id) + (seed & 1)) & 1) ? Shape::kZero : Shape::kLanes;
}

void fill_image(CpuImage& img, const Machine& m, ComponentMask mask, const PatternSource& src,
                const SignalCaseSpec* spec, uint64_t seed) {
  for (const ComponentDescriptor* c : all_components())
    if (mask & component_bit(c->id))
      c->fill(img, m, src, spec ? shape_of(*spec, *c, seed) : Shape::kLanes);
}

void copy_component(CpuImage& dst, const CpuImage& src, const ComponentDescriptor& c,
                    const Machine& m) {
  for (const Field& f : fields_of(c, m))
    std::memcpy(dst.bytes() + f.offset, src.bytes() + f.offset, f.size);
}

// The smallest sigaltstack the kernel accepts here: one delivery on a large canary stack gives
// the frame's size; Linux needs one byte more (on_sig_stack() requires sp > ss_sp).
size_t measure_frame_size(HandlerPlan& plan) {
  GuardedAltstack probe(64 * 1024);
  if (!probe.ok() || !probe.install()) return 0;
  const bool irritate = plan.irritate;
  plan.irritate = false;
  raise_in_this_thread(kPrimarySignal);
  plan.irritate = irritate;
  GuardedAltstack::disable();
  const uint64_t rsp = plan.observed[1].frame_rsp;
  plan.delivered[1].store(0);
  if (rsp < reinterpret_cast<uint64_t>(probe.sp()) || rsp >= probe.top()) return 0;
  return static_cast<size_t>(probe.top() - rsp);
}

struct Images {
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> expected = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> irritator1 = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> irritator2 = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> edit = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> seen = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_out = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_expected = std::make_unique<CpuImage>();
  std::unique_ptr<FrameSnapshot> snapshot = std::make_unique<FrameSnapshot>();
};

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

}  // namespace

void run_signal_case(const SignalCaseSpec& spec, const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  const SignalTransition t = spec.transition;
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  plan.fault = ctx.fault;

  const ComponentMask available = available_components(m);
  ComponentMask loaded = (spec.components ? spec.components : available) & available;
  if (!spec.components && (t == SignalTransition::kFrame || t == SignalTransition::kEdit))
    loaded &= in_signal_frame(~ComponentMask{0});
  // FS/GS base are not restored by sigreturn on Linux, so the irritator leaves them alone.
  const ComponentMask irritated = available & ~kSegmentBases;
  const bool via_syscall = t != SignalTransition::kAsync;
  const uint16_t tag = seed_tag(ctx.seed);
  const pid_t pid = getpid();
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  const uint64_t host_gs = current_gsbase();

  // Zero-shaped XSAVE components start from their true init state (XRSTOR), the state kernels'
  // init tracking and XSTATE_BV see; the rest are loaded by their own routines.
  ComponentMask zero_shaped = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((loaded & component_bit(c->id)) && shape_of(spec, *c, ctx.seed) == Shape::kZero)
      zero_shaped |= component_bit(c->id);
  const ComponentMask init_loaded = init_loadable(m, zero_shaped);
  if (init_loaded) r.facts["init_state"] = component_names(init_loaded);

  Images img;
  const RoutineList loaders = loaders_for(m, loaded & ~init_loaded);
  const RoutineList stores = stores_for(m, loaded);
  const RoutineList irritator_loaders = loaders_for(m, irritated);
  // The level-1 handler of the nested case holds a lane pattern in every loaded component.
  const RoutineList nested_loaders = loaders_for(m, loaded);
  const HoldPlan hold{via_syscall ? uint64_t{PLAN_ACTION_SYSCALL} : uint64_t{PLAN_ACTION_SPIN},
                      loaders.data(), stores.data(), default_hold_options(m)};
  const InjectionPoint point =
      hold_injection_point(via_syscall ? sigctx_hold_syscall : sigctx_hold_spin);
  const uint64_t interrupted_rip =
      via_syscall ? reinterpret_cast<uint64_t>(sigctx_hold_syscall) + 2  // after SYSCALL
                  : reinterpret_cast<uint64_t>(sigctx_hold_spin);

  install_handler(kPrimarySignal, t == SignalTransition::kAltstack);
  if (t == SignalTransition::kNested) install_handler(kNestedSignal, false);

  size_t altstack_sizes[2] = {0, 0};
  if (t == SignalTransition::kAltstack) {
    const size_t frame = measure_frame_size(plan);
    if (frame == 0) {
      return r.set_error("could not measure the signal frame on an alternate stack");
    }
    // AT_MINSIGSTKSZ, raised to sigaltstack's own floor: an FXSAVE-only kernel reports 1440,
    // below the 2048 bytes sigaltstack(2) accepts (ENOMEM); with AMX permitted the floor is the
    // kernel's own frame size for every feature.
    const size_t floor = std::max(smallest_accepted_altstack(), kKernelMinSigStkSz);
    altstack_sizes[0] = std::max(m.auxv.minsigstksz ? m.auxv.minsigstksz : kClassicSigStkSz, floor);
    altstack_sizes[1] = std::max(frame + 1, floor);
    r.facts["frame_size"] = frame;
    r.facts["altstack_sizes"] = {altstack_sizes[0], altstack_sizes[1]};
  }

  const unsigned iterations = t == SignalTransition::kAsync ? kAsyncIterations
                              : spec.churn                  ? kChurnIterations
                                                            : kSignalIterations;
  uint64_t intended = 0;
  YieldSibling sibling;
  std::string untouched_error;  // why a churn delivery did not land on untouched pages
  if (spec.churn) {
    // The sibling's own fault would blur which side a report came from: the mutation tests of
    // the sibling's check are step-yield's.
    std::string why;
    const uint64_t yields = uint64_t{iterations} * 4 + 1000;
    r.facts["sibling_yields"] = yields;
    if (!sibling.start(m, loaded, tag, yields, FaultSpec{}, *img.irritator1, &why)) {
      return r.set_error(why);
    }
  }
  for (unsigned it = 0; it < iterations; ++it) {
    const uint8_t gen = static_cast<uint8_t>(it + 1);
    const PatternSource main{tag, kRoleMain, gen};
    const PatternSource h1{tag, handler_role(1), gen};
    const PatternSource h2{tag, handler_role(2), gen};
    const PatternSource ed{tag, kRoleEdit, gen};

    img.in->clear();
    fill_image(*img.in, m, loaded, main, &spec, ctx.seed);
    img.in->host_fsbase = sigctx_host_fsbase;
    img.in->host_gsbase = host_gs;
    img.in->init_mask = xsave_init_mask(init_loaded);
    if (via_syscall) set_tgkill_args(*img.in, pid, tid, kPrimarySignal);
    img.out->clear();
    img.out->host_fsbase = sigctx_host_fsbase;
    img.out->host_gsbase = host_gs;

    // The irritators also carry FS/GS base values: a leak fault uses them.
    img.irritator1->clear();
    fill_image(*img.irritator1, m, available, h1, nullptr, 0);
    img.irritator2->clear();
    fill_image(*img.irritator2, m, available, h2, nullptr, 0);
    plan.irritator[0] = {img.irritator1.get(), irritator_loaders.data()};
    plan.irritator[1] = {img.irritator2.get(), irritator_loaders.data()};

    ComponentMask edited = 0;
    if (t == SignalTransition::kEdit) {
      edited = loaded & in_signal_frame(~ComponentMask{0});
      img.edit->clear();
      fill_image(*img.edit, m, edited, ed, nullptr, 0);
      plan.edit_image = img.edit.get();
      plan.edit_mask = edited;
    }
    plan.snapshot = t == SignalTransition::kFrame ? img.snapshot.get() : nullptr;
    img.snapshot->captured = false;

    NestedHold nested;
    if (t == SignalTransition::kNested) {
      img.nested_in->clear();
      fill_image(*img.nested_in, m, loaded, h1, nullptr, 0);
      set_tgkill_args(*img.nested_in, pid, tid, kNestedSignal);
      // Inside the handler the GS base to put back is the interrupted code's: sigreturn will
      // not restore it. (FS base is put back by the handler entry itself.)
      const uint64_t handler_gs =
          (loaded & component_bit(ComponentId::kGsbase)) ? img.in->gsbase : host_gs;
      img.nested_in->host_fsbase = sigctx_host_fsbase;
      img.nested_in->host_gsbase = handler_gs;
      img.nested_out->clear();
      img.nested_out->host_fsbase = sigctx_host_fsbase;
      img.nested_out->host_gsbase = handler_gs;
      nested = {img.nested_in.get(), img.nested_out.get(), hold};
      nested.plan.loaders = nested_loaders.data();
      plan.nested = &nested;
    }

    std::unique_ptr<GuardedAltstack> stack;
    if (t == SignalTransition::kAltstack) {
      stack = std::make_unique<GuardedAltstack>(altstack_sizes[it % 2]);
      if (!stack->ok() || !stack->install()) {
        return r.set_error(fmt::format("sigaltstack of {} bytes failed: {}", altstack_sizes[it % 2],
                                       std::strerror(errno)));
      }
      plan.guard_fault_address = stack->below();
      if (spec.churn) {
        const long resident = stack->resident_pages();
        if (resident < 0 && untouched_error.empty())
          untouched_error = fmt::format("mincore on the sigaltstack: {}", std::strerror(errno));
        if (resident > 0 && untouched_error.empty())
          untouched_error = fmt::format(
              "{} page(s) of a fresh sigaltstack were resident before delivery {}, so the "
              "kernel did not write that frame into untouched pages",
              resident, it);
        sched_yield();  // to the sibling, whose registers are live on this CPU until it yields
      }
    }

    plan.fault_armed = true;
    const uint64_t delivered_before = plan.delivered[1].load();
    if (t == SignalTransition::kAsync) {
      plan.spin_target = kAsyncSignalsPerIteration;
      plan.spin_exited.store(false);
      plan.delivered_in_spin.store(0);
      __atomic_store_n(&sigctx_spin_armed, 0, __ATOMIC_RELEASE);
      SignalSender sender(tid, kPrimarySignal, plan.delivered[1], plan.spin_exited);
      sender.start();
      sigctx_hold(img.in.get(), img.out.get(), &hold);
      sender.join();
      if (!sender.error().empty()) {
        return r.set_error(sender.error());
      }
      intended += kAsyncSignalsPerIteration;
    } else {
      sigctx_hold(img.in.get(), img.out.get(), &hold);
      intended += 1;
    }
    if (t == SignalTransition::kAltstack) GuardedAltstack::disable();
    const bool delivered_now = plan.delivered[1].load() > delivered_before;
    if (init_loaded && it == 0 && (default_hold_options(m) & PLAN_OPT_XINUSE)) {
      // Which of them the hardware really tracked as init at the transition.
      ComponentMask still_in_use = 0;
      for (const ComponentDescriptor* c : all_components())
        if ((init_loaded & component_bit(c->id)) && ((img.out->xinuse >> c->xsave_index) & 1))
          still_in_use |= component_bit(c->id);
      r.facts["init_state_in_use_at_transition"] = component_names(still_in_use);
    }

    // What must have come back.
    CpuImage& expected = *img.expected;
    expected = *img.in;
    uint16_t gpr_skip = 0;
    if (via_syscall) {
      expected.gpr[kRax] = 0;                  // tgkill's return value
      gpr_skip = (1u << kRcx) | (1u << kR11);  // SYSCALL's own clobbers
    }
    for (const ComponentDescriptor* c : all_components())
      if (edited & component_bit(c->id)) copy_component(expected, *img.edit, *c, m);
    if (edited & component_bit(ComponentId::kGpr)) gpr_skip = 0;  // sigreturn loads them all
    expected.gpr[kRsp] = img.out->rsp_before;

    const std::string collision =
        colliding_field(expected, *img.irritator1, loaded & irritated, gpr_skip, m);
    if (!collision.empty()) {
      return r.set_error(
          fmt::format("pattern collision in generation {}: {} holds the same value for the "
                      "interrupted code and the handler, so a leak could not show",
                      gen, collision));
    }
    if (ctx.fault.active && ctx.fault.field >= 0 && ctx.fault.level == 1 &&
        (loaded & component_bit(ctx.fault.component))) {
      const ComponentDescriptor& fc = component(ctx.fault.component);
      const Field& ff = fields_of(fc, m)[static_cast<size_t>(ctx.fault.field)];
      if (!fc.field_applies(expected, ff)) {
        return r.set_error(
            fmt::format("--inject-fault {} cannot show here: {} is empty in the state this "
                        "case expects",
                        ctx.fault.spec, ff.name));
      }
    }
    if (ctx.fault.active && ctx.fault.component == ComponentId::kGpr && ctx.fault.field >= 0) {
      const unsigned reg =
          fields_of(component(ComponentId::kGpr), m)[static_cast<size_t>(ctx.fault.field)].reg;
      const bool zero_rax = reg == kRax && ctx.fault.kind == FaultKind::kZero && via_syscall &&
                            !(edited & component_bit(ComponentId::kGpr));
      if (((gpr_skip >> reg) & 1) || zero_rax) {
        return r.set_error(fmt::format(
            "--inject-fault {} cannot show here: {}", ctx.fault.spec,
            zero_rax ? "rax is expected to be 0 (tgkill's return value) already"
                     : "this transition does not check rcx and r11 (SYSCALL clobbers them)"));
      }
    }

    ClassifyContext cls;
    cls.machine = &m;
    cls.known = {{main, spec.shape}, {h1, Shape::kLanes}, {h2, Shape::kLanes}, {ed, Shape::kLanes}};
    cls.expected = {main, spec.shape};
    ClassifyContext cls_edit = cls;
    cls_edit.expected = {ed, Shape::kLanes};
    auto options = [&](ComponentMask checked, const char* where) {
      DiffOptions o;
      o.checked = checked;
      o.gpr_skip = gpr_skip;
      o.where = where;
      o.injection = point;
      return o;
    };
    if (delivered_now) {
      r.add_diffs(
          diff_images(expected, *img.out, m, options(loaded & ~edited, "after sigreturn"), cls));
      if (edited)
        r.add_diffs(diff_images(expected, *img.out, m,
                                options(edited, "after sigreturn (frame edit)"), cls_edit));
    }

    // What the handler itself was entered with.
    const HandlerObservation& obs = plan.observed[1];
    if (delivered_now && (loaded & component_bit(ComponentId::kRflags)) && (obs.rflags & RFLAGS_DF))
      r.findings.push_back({"handler.rflags.df",
                            "the handler was entered with DF set; the ABI requires it clear at "
                            "function entry",
                            "DF=0", fmt::format("rflags {:#x}", obs.rflags)});
    if (delivered_now && (loaded & kSegmentBases)) {
      *img.seen = expected;
      img.seen->fsbase = obs.fsbase;
      img.seen->gsbase = obs.gsbase;
      r.add_diffs(diff_images(expected, *img.seen, m,
                              options(loaded & kSegmentBases, "at handler entry"), cls));
    }

    if (t == SignalTransition::kFrame && img.snapshot->captured) {
      SignalFrame frame = SignalFrame::of(*img.snapshot);
      // What the hardware tracked as in use at the transition, beside what the frame declares.
      r.facts["xinuse_at_transition"] = fmt::format("{:#x}", img.out->xinuse);
      r.facts["frame_xstate_bv"] = fmt::format("{:#x}", frame.xstate_bv());
      r.facts["frame_xfeatures"] = fmt::format("{:#x}", frame.xfeatures());
      for (auto& f : check_frame_abi(frame, m, {interrupted_rip, loaded, img.in.get()}))
        r.findings.push_back(std::move(f));
      *img.seen = expected;
      ComponentMask readable = 0;
      for (const ComponentDescriptor* c : all_components()) {
        if (!(loaded & component_bit(c->id))) continue;
        std::string why;
        if (frame.read(*c, m, *img.seen, &why)) {
          readable |= component_bit(c->id);
        } else {
          r.findings.push_back({fmt::format("frame.{}", c->name),
                                fmt::format("the frame does not hold {}: {}", c->name, why),
                                "present", "absent"});
        }
      }
      r.add_diffs(
          diff_images(expected, *img.seen, m, options(readable, "in the signal frame"), cls));
    }

    if (t == SignalTransition::kNested) {
      CpuImage& nexp = *img.nested_expected;
      nexp = *img.nested_in;
      nexp.gpr[kRax] = 0;
      nexp.gpr[kRsp] = img.nested_out->rsp_before;
      ClassifyContext cls_nested = cls;
      cls_nested.expected = {h1, Shape::kLanes};
      DiffOptions o = options(loaded, "in the level-1 handler across the nested signal");
      o.gpr_skip = (1u << kRcx) | (1u << kR11);
      r.add_diffs(diff_images(nexp, *img.nested_out, m, o, cls_nested));
      plan.nested = nullptr;
    }

    if (stack) {
      for (auto& f : stack->check_guards())
        r.findings.push_back(std::move(f));
      const uint64_t rsp = obs.frame_rsp;
      if (delivered_now && (rsp < reinterpret_cast<uint64_t>(stack->sp()) || rsp >= stack->top()))
        r.findings.push_back({"altstack.used",
                              "the signal was not delivered on the alternate stack",
                              fmt::format("frame in [{:#x}, {:#x})",
                                          reinterpret_cast<uint64_t>(stack->sp()), stack->top()),
                              fmt::format("frame at {:#x}", rsp)});
    }

    if (r.failed()) {
      r.facts["failing_generation"] = gen;
      break;
    }
  }

  if (spec.churn) {
    const long switches = sibling.caller_switches();
    ClassifyContext cls;
    cls.machine = &m;
    sibling.finish(m, cls, r);
    r.facts["context_switches"] = switches;
    if (!r.failed() && !untouched_error.empty()) {
      return r.set_error(untouched_error);
    }
    if (!r.failed() && switches == 0) {
      return r.set_error("this thread yielded before every delivery but was never switched out");
    }
  }

  const uint64_t delivered = plan.delivered[1].load();
  const uint64_t nested_delivered = plan.delivered[2].load();
  r.injections = delivered + nested_delivered;
  r.facts["signals"] = delivered;
  if (t == SignalTransition::kNested) r.facts["nested_signals"] = nested_delivered;
  r.facts["components"] = component_names(loaded);
  uninstall_handler(kPrimarySignal);
  if (t == SignalTransition::kNested) uninstall_handler(kNestedSignal);

  if (!r.failed() &&
      (delivered < intended || (t == SignalTransition::kNested && nested_delivered < intended))) {
    return r.set_error(fmt::format(
        "delivered {} of {} intended signals{}", delivered, intended,
        t == SignalTransition::kNested ? fmt::format(" and {} nested", nested_delivered) : ""));
  }
  r.set_verdict();
}

}  // namespace sigctx
