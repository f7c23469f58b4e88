#include "signal/signal_cases.h"

#include <fmt/format.h>

#include "engine/case_support.h"
#include "signal/altstack_size_case.h"
#include "signal/amx_rules_case.h"
#include "signal/pkey_altstack_case.h"
#include "signal/signal_reproducer.h"
#include "signal/signal_transition.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

// The catalog entries (runners/bug_catalog.cpp) whose symptom a case would show.
std::vector<std::string> guards_for(const SignalTransition& t, const SignalVariant& v) {
  std::vector<std::string> g;
  const bool vector_upper = v.has(ComponentId::kAvx) || v.has(ComponentId::kZmmHi256) ||
                            v.has(ComponentId::kHi16Zmm) || v.has(ComponentId::kOpmask);
  // Every transition's handler clobbers, and every check covers what sigreturn restored.
  if (vector_upper) g.push_back("illumos-15254");
  if (v.has(ComponentId::kOpmask) || v.has(ComponentId::kZmmHi256) || v.has(ComponentId::kHi16Zmm))
    g.push_back("uml-avx512-sigreturn");
  // A GS base set by the interrupted code (not a zero one) or by a handler holding a pattern of
  // its own (nested), which a sigreturn must keep. The frame transitions' "every component"
  // leaves GS base out: the frame does not hold it.
  const bool gs_loaded = v.has(ComponentId::kGsbase) && !(t.needs_frame() && v.components == 0);
  if (gs_loaded && ((v.shape != Shape::kZero && !v.mixed) || t.handler_patterns_pkru()))
    g.push_back("gvisor-gsbase");
  t.add_guards(v, g);
  // A PKRU pattern the interrupted code (or, nested and edited, the handler) holds: an init
  // PKRU reads the same as a cleared XSTATE_BV bit.
  const bool pkru_patterned = v.shape != Shape::kZero || t.handler_patterns_pkru();
  if (v.has(ComponentId::kPkru) && pkru_patterned) g.push_back("linux-6.12-pkru");
  if ((v.shape == Shape::kZero || v.mixed) && v.has(ComponentId::kSse))
    g.push_back("freebsd-xmm8-15");
  return g;
}

// t, one instance per transition shared by its cases, answers what the case list asks; each run
// makes a fresh one, since transitions keep per-case state.
CaseDescriptor make_case(const SignalTransitionRow& row,
                         const std::shared_ptr<const SignalTransition>& shared_t,
                         const SignalVariant& v) {
  const SignalTransition& t = *shared_t;
  CaseDescriptor d;
  d.id = fmt::format("signal/{}/{}", t.name(), v.name);
  d.description = t.description(v);
  d.guards = guards_for(t, v);
  d.transition = fmt::format("signal/{}", t.label());
  d.handler = t.handler();
  d.injector = t.injector();
  d.routine = "sigctx_hold";
  d.components = v.components;
  const ComponentMask mask = v.components;
  const bool needs_frame = t.needs_frame();
  d.applicable = [mask, needs_frame, shared_t](const Machine& m) {
    for (const ComponentDescriptor* c : all_components()) {
      if (!(mask & component_bit(c->id))) continue;
      Availability a = c->availability(m);
      if (!a.ok) return Availability::no(fmt::format("{}: {}", c->name, a.reason));
      if (needs_frame && !c->in_signal_frame)
        return Availability::no(std::string(c->not_in_frame_reason));
    }
    return shared_t->platform_needs(m);
  };
  d.run = [make = row.make, v](const CaseContext& ctx, CaseResult& r) {
    const std::unique_ptr<SignalTransition> fresh = make();
    run_signal_case(*fresh, v, ctx, r);
  };
  d.reproducer = [shared_t, v](const Machine&) { return signal_reproducer(*shared_t, v); };
  return d;
}

}  // namespace

std::vector<CaseDescriptor> signal_cases() {
  std::vector<CaseDescriptor> cases;
  const std::vector<SignalVariant> variants = signal_variants();
  for (const SignalTransitionRow& row : signal_transitions()) {
    const std::shared_ptr<const SignalTransition> t = row.make();
    for (const SignalVariant& v : variants)
      if (t->takes_variant(v)) cases.push_back(make_case(row, t, v));
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
  size.routine = "sigctx_handler_entry";
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
  pkey.routine = "sigctx_hold";
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
