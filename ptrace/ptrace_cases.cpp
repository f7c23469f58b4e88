#include "ptrace/ptrace_cases.h"

#include <fmt/format.h>

#include "engine/switch_variants.h"
#include "ptrace/ptrace_case.h"
#include "ptrace/ptrace_reproducer.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

CaseDescriptor ptrace_case(std::string id, std::string description, const PtraceCaseSpec& spec,
                           ComponentMask needs) {
  CaseDescriptor d;
  d.id = std::move(id);
  d.description = std::move(description);
  d.transition = "ptrace/stop";
  d.handler = "none";
  d.injector = "tracer: debug-register breakpoint on the hold's transition point";
  d.routine = "sigctx_hold";
  d.components = spec.components;
  const bool writes_xstate = spec.mode != PtraceMode::kRead;
  d.applicable = [needs, writes_xstate](const Machine& m) {
    const std::string why = ptrace_unavailable(m);
    if (!why.empty()) return Availability::no(why);
    // The writing modes go through SETREGSET NT_X86_XSTATE for every component, which a kernel
    // without XSAVE (an FXSAVE-only CPU, or noxsave) does not offer: ENODEV.
    if (writes_xstate && !m.xcr0)
      return Availability::no("the OS has not enabled XSAVE: no NT_X86_XSTATE regset to write");
    if (Availability a = components_available(needs, m); !a.ok) return a;
    if ((needs & ~(component_bit(ComponentId::kGpr) | component_bit(ComponentId::kRflags) |
                   component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase) |
                   component_bit(ComponentId::kX87) | component_bit(ComponentId::kMxcsr) |
                   component_bit(ComponentId::kSse))) == 0 ||
        m.xcr0)
      return Availability::yes();
    return Availability::no("the OS has not enabled XSAVE: no NT_X86_XSTATE regset");
  };
  d.run = [spec](const CaseContext& ctx, CaseResult& r) { run_ptrace_case(spec, ctx, r); };
  return d;
}

}  // namespace

std::vector<CaseDescriptor> ptrace_cases() {
  std::vector<CaseDescriptor> cases;
  for (const SwitchVariant& v : switch_variants()) {
    if (v.mixed) continue;
    const std::string held = held_description(v);
    cases.push_back(ptrace_case(
        fmt::format("ptrace/read/{}", v.name),
        fmt::format("{}: stopped at an exact boundary, the tracee's registers as GETREGS, "
                    "GETFPREGS, GETREGSET (NT_PRFPREG, NT_X86_XSTATE), PEEKUSER and "
                    "ARCH_PRCTL show them must equal what it holds, and it goes on with them",
                    held),
        {PtraceMode::kRead, v.components}, v.components));
    cases.back().reproducer = [v](const Machine&) { return ptrace_reproducer(v, false); };
    cases.push_back(ptrace_case(
        fmt::format("ptrace/write/{}", v.name),
        fmt::format("{}: the tracer writes its own values (SETREGS, SETREGSET NT_X86_XSTATE, "
                    "POKEUSER fs_base, ARCH_PRCTL ARCH_SET_GS) into the stopped tracee, which "
                    "must go on with exactly them",
                    held),
        {PtraceMode::kWrite, v.components}, v.components));
    cases.back().reproducer = [v](const Machine&) { return ptrace_reproducer(v, true); };
  }
  for (const ComponentDescriptor* c : all_components()) {
    if (c->xsave_index < 0 || !c->xstate_bv_governs) continue;
    PtraceCaseSpec spec{PtraceMode::kWriteInit};
    spec.init_component = c->id;
    cases.push_back(ptrace_case(
        fmt::format("ptrace/write-init/{}", c->name),
        fmt::format("{}: the tracer clears its XSTATE_BV bit in the NT_X86_XSTATE buffer and "
                    "leaves the values beside it; the tracee must go on with the component in "
                    "its init state and everything else as it was",
                    c->description),
        spec, component_bit(c->id)));
  }
  const std::pair<const char*, BadHeader> kinds[] = {
      {"xcomp-bv", BadHeader::kXcompBv},
      {"reserved", BadHeader::kReserved},
      {"xstate-bv-beyond-xcr0", BadHeader::kXstateBvBeyondXcr0}};
  for (auto [name, kind] : kinds) {
    PtraceCaseSpec spec{PtraceMode::kBadHeader};
    spec.bad_header = kind;
    CaseDescriptor d = ptrace_case(
        fmt::format("ptrace/bad-header/{}", name),
        "a SETREGSET NT_X86_XSTATE whose header XRSTOR rejects must fail with EINVAL, and the "
        "tracee must go on with every register as it was, not another task's",
        spec, component_bit(ComponentId::kSse));
    d.guards = {"cve-2017-15537"};
    d.components = component_bit(ComponentId::kSse);
    cases.push_back(std::move(d));
  }
  return cases;
}

}  // namespace sigctx
