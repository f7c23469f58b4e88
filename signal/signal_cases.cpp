#include "signal/signal_cases.h"

#include <fmt/format.h>

#include "engine/case_support.h"
#include "signal/altstack_size_case.h"
#include "signal/amx_rules_case.h"
#include "signal/pkey_altstack_case.h"
#include "signal/signal_case_engine.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

struct TransitionInfo {
  SignalTransition transition;
  const char* handler;
  const char* injector;
  const char* what;  // completes "...: <what>"
};

constexpr TransitionInfo kTransitions[] = {
    {SignalTransition::kSync, "clobber", "raw tgkill syscall",
     "a signal raised by a raw tgkill syscall; the handler clobbers every component and "
     "returns; the state must come back intact"},
    {SignalTransition::kAsync, "clobber", "sibling-thread tgkill storm",
     "a sibling thread delivers 256 signals while the state is held in a spin loop; each handler "
     "clobbers every component"},
    {SignalTransition::kFrame, "frame-inspect, clobber", "raw tgkill syscall",
     "the handler copies the signal frame; its ABI fields (magics, sizes, xfeatures, XSTATE_BV, "
     "XCOMP_BV, rip) and saved values must match what the interrupted code held"},
    {SignalTransition::kEdit, "frame-edit, clobber", "raw tgkill syscall",
     "the handler writes a new pattern into the frame (setting XSTATE_BV); after sigreturn the "
     "interrupted code must see the new values"},
    {SignalTransition::kNested, "nested hold, clobber", "raw tgkill syscall, then from the handler",
     "the handler holds its own pattern across a second, nested signal; both levels must come "
     "back intact"},
    {SignalTransition::kAltstack, "clobber on sigaltstack", "raw tgkill syscall",
     "delivery on a fresh, guarded sigaltstack of AT_MINSIGSTKSZ bytes and of the smallest size "
     "that fits the frame; state intact, nothing written outside the stack"},
};

struct Variant {
  std::string name;
  ComponentMask components = 0;  // 0 = every available component
  Shape shape = Shape::kLanes;
  bool mixed = false;
  std::string description;
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  for (const ComponentDescriptor* c : all_components())
    v.push_back({std::string(c->name), component_bit(c->id), Shape::kLanes, false,
                 std::string(c->description)});
  v.push_back({"all", 0, Shape::kLanes, false, "every available component at once"});
  v.push_back(
      {"all-zero", 0, Shape::kZero, false, "every available component holding its init values"});
  v.push_back({"all-mixed", 0, Shape::kLanes, true,
               "components alternating between lane patterns and init values"});
  v.push_back({"x87-special", component_bit(ComponentId::kX87), Shape::kSpecial, false,
               "x87 NaN, infinity, denormal, pseudo-denormal and unnormal values, RC=0 PC=single"});
  v.push_back({"mxcsr-special", component_bit(ComponentId::kMxcsr), Shape::kSpecial, false,
               "MXCSR with every flag, FTZ, DAZ and round-toward-zero"});
  return v;
}

// The catalog entries (runners/bug_catalog.cpp) whose symptom a case would show.
std::vector<std::string> guards_for(SignalTransition t, const Variant& v) {
  std::vector<std::string> g;
  auto has = [&](ComponentId id) {
    return v.components == 0 || (v.components & component_bit(id));
  };
  const bool vector_upper = has(ComponentId::kAvx) || has(ComponentId::kZmmHi256) ||
                            has(ComponentId::kHi16Zmm) || has(ComponentId::kOpmask);
  // Every transition's handler clobbers, and every check covers what sigreturn restored.
  if (vector_upper) g.push_back("illumos-15254");
  switch (t) {
    case SignalTransition::kSync:
    case SignalTransition::kNested:
      break;
    case SignalTransition::kAsync:
      if (has(ComponentId::kOpmask)) g.push_back("darwin-opmask");
      break;
    case SignalTransition::kFrame:
      g.push_back("valgrind-sigcontext");  // the frame must carry the FPU state
      break;
    case SignalTransition::kEdit: {
      // Valgrind honours GPR edits; an edit of any other register is lost.
      const ComponentMask gprs =
          component_bit(ComponentId::kGpr) | component_bit(ComponentId::kRflags);
      if (v.components == 0 || (v.components & ~gprs)) g.push_back("valgrind-sigcontext");
      break;
    }
    case SignalTransition::kAltstack:
      // Each delivery lands on a freshly mapped stack, the 5.2 trigger.
      if (has(ComponentId::kSse) || vector_upper) g.push_back("linux-5.2-sigframe");
      // The guards around these stacks are checked too, but they fit the frame: the overflow's
      // trigger, a stack smaller than the frame, is signal/altstack/size's.
      break;
  }
  // A PKRU pattern the interrupted code (or, nested and edited, the handler) holds: an init
  // PKRU reads the same as a cleared XSTATE_BV bit.
  const bool pkru_patterned =
      v.shape != Shape::kZero || t == SignalTransition::kEdit || t == SignalTransition::kNested;
  if (has(ComponentId::kPkru) && pkru_patterned) g.push_back("linux-6.12-pkru");
  if ((v.shape == Shape::kZero || v.mixed) && has(ComponentId::kSse))
    g.push_back("freebsd-xmm8-15");
  return g;
}

CaseDescriptor make_case(const TransitionInfo& ti, const Variant& v) {
  const SignalTransition t = ti.transition;
  const bool needs_frame = t == SignalTransition::kFrame || t == SignalTransition::kEdit;
  CaseDescriptor d;
  d.id = fmt::format("signal/{}/{}", transition_name(t), v.name);
  d.description = fmt::format("{}: {}", v.description, ti.what);
  d.guards = guards_for(t, v);
  d.transition = fmt::format("signal/{}", transition_name(t));
  d.handler = ti.handler;
  d.injector = ti.injector;
  d.kernel = "sigctx_hold";
  d.components = v.components;
  const ComponentMask mask = v.components;
  d.applicable = [mask, needs_frame](const Machine& m) {
    for (const ComponentDescriptor* c : all_components()) {
      if (!(mask & component_bit(c->id))) continue;
      Availability a = c->availability(m);
      if (!a.ok) return Availability::no(fmt::format("{}: {}", c->name, a.reason));
      if (needs_frame && !c->in_signal_frame)
        return Availability::no(std::string(c->not_in_frame_reason));
    }
    return Availability::yes();
  };
  const SignalCaseSpec spec{t, v.components, v.shape, v.mixed};
  d.run = [spec](const CaseContext& ctx, CaseResult& r) { run_signal_case(spec, ctx, r); };
  return d;
}

// signal/altstack-churn/<variant>: the altstack case under the linux-5.2-sigframe conditions.
// That bug needed a context switch while the kernel faulted in the frame's page, with another
// task's vector registers live on the CPU; no user program can force the switch into that
// window, so the case makes it likely: a same-CPU sibling with its own pattern, a yield to it
// before each delivery, and 64 deliveries each onto pages mincore shows were never touched.
CaseDescriptor make_churn_case(const TransitionInfo& ti, const Variant& v) {
  CaseDescriptor d = make_case(ti, v);
  d.id = fmt::format("signal/altstack-churn/{}", v.name);
  d.description = fmt::format(
      "{}: {} delivering signals onto fresh, never-touched sigaltstacks while a sibling "
      "thread pinned to the same CPU holds its own pattern and each delivery follows a switch "
      "to it; both threads' state must survive",
      v.description, kChurnIterations);
  d.injector = "raw tgkill syscall after a sched_yield to a same-CPU sibling";
  // Untouched pages are shown by mincore: where it cannot tell them (platform/mincore), the
  // case cannot set up its trigger.
  d.applicable = [base = d.applicable](const Machine& m) {
    const Availability a = base(m);
    return a.ok ? platform_allows(m, &PlatformCapabilities::mincore) : a;
  };
  SignalCaseSpec spec{ti.transition, v.components, v.shape, v.mixed};
  spec.churn = true;
  d.run = [spec](const CaseContext& ctx, CaseResult& r) { run_signal_case(spec, ctx, r); };
  return d;
}

}  // namespace

std::vector<CaseDescriptor> signal_cases() {
  std::vector<CaseDescriptor> cases;
  for (const TransitionInfo& ti : kTransitions)
    for (const Variant& v : variants())
      cases.push_back(make_case(ti, v));
  // The registers go-preempt-style corruption came back in (go#35326): XMM and YMM, and the
  // AVX-512 state that frames grew by since.
  constexpr ComponentMask kChurned =
      component_bit(ComponentId::kSse) | component_bit(ComponentId::kAvx) |
      component_bit(ComponentId::kOpmask) | component_bit(ComponentId::kZmmHi256) |
      component_bit(ComponentId::kHi16Zmm);
  for (const TransitionInfo& ti : kTransitions) {
    if (ti.transition != SignalTransition::kAltstack) continue;
    for (const Variant& v : variants())
      if (v.name == "all" || (v.shape == Shape::kLanes && !v.mixed && (v.components & kChurned)))
        cases.push_back(make_churn_case(ti, v));
  }

  CaseDescriptor size;
  size.id = "signal/altstack/size";
  size.description =
      "alternate stacks of AT_MINSIGSTKSZ, frame size + 1, frame size and frame size - 512 "
      "bytes: the fitting ones deliver, the too-small one ends in a contained SIGSEGV, and "
      "nothing is written outside the stack";
  size.guards = {"linux-altstack-overflow"};
  size.transition = "signal/altstack";
  size.handler = "none (counts the delivery)";
  size.injector = "raw tgkill syscall in a forked child";
  size.kernel = "sigctx_handler_entry";
  size.applicable = [](const Machine&) { return Availability::yes(); };
  size.run = run_altstack_size_case;
  // Its handler loads nothing, and AMX permission would raise sigaltstack's floor above the
  // frame it measures, leaving out the too-small trials.
  size.prepares_components_itself = true;
  cases.push_back(std::move(size));

  CaseDescriptor pkey;
  pkey.id = "signal/altstack/pkey-denied";
  pkey.description =
      "every component held with PKRU denying every protection key but the one of the "
      "interrupted code's own stack, key 0 included, while a signal is delivered on a key-0 "
      "sigaltstack: the kernel must write the frame anyway, run the handler, and restore every "
      "component, PKRU included";
  // The handler clobbers the vector registers, and each delivery lands on a fresh sigaltstack.
  pkey.guards = {"linux-pkru-altstack", "linux-6.12-pkru", "illumos-15254", "linux-5.2-sigframe"};
  pkey.transition = "signal/altstack";
  pkey.handler = "clobber on sigaltstack";
  pkey.injector = "raw tgkill syscall in a forked child";
  pkey.kernel = "sigctx_hold";
  pkey.applicable = [](const Machine& m) {
    const Availability a = component(ComponentId::kPkru).availability(m);
    return a.ok ? a : Availability::no(fmt::format("pkru: {}", a.reason));
  };
  pkey.run = run_pkey_altstack_case;
  cases.push_back(std::move(pkey));
  for (CaseDescriptor& d : amx_rules_cases())
    cases.push_back(std::move(d));
  return cases;
}

}  // namespace sigctx
