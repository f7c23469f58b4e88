#include "platform/platform_cases.h"

#include <fmt/format.h>

namespace sigctx {

namespace {

struct PlatformCaseSpec {
  const char* id;
  const char* description;
  std::vector<Capability PlatformCapabilities::*> capabilities;
  std::vector<std::string> guards = {};  // catalog bugs whose symptom this probe shows
};

const std::vector<PlatformCaseSpec>& specs() {
  using P = PlatformCapabilities;
  static const std::vector<PlatformCaseSpec> s = {
      {"platform/debug-registers",
       "execute breakpoints in the debug registers fire: a perf_event_open breakpoint counts "
       "and sends SIGTRAP, and DR0/DR7 written through ptrace stop the tracee. Debuggers rely on "
       "them; where a hypervisor accepts them and never lets them fire, the hwbp cases skip and "
       "the ptrace cases single-step instead",
       {&P::perf_breakpoint, &P::ptrace_breakpoint},
       {"hypervisor-debug-registers"}},
      {"platform/ptrace-singlestep",
       "a tracer's PTRACE_SINGLESTEP stops the tracee after each instruction, and PTRACE_CONT "
       "then lets it run on; the ptrace cases step to their stop where debug registers do not "
       "fire, and skip where neither works",
       {&P::ptrace_singlestep}},
      {"platform/trap-delivery",
       "the traps of RFLAGS.TF and of int3 reach an installed SIGTRAP handler; where they do not, "
       "the step and int3 cases skip",
       {&P::trap_flag, &P::int3}},
      {"platform/rusage-switches",
       "getrusage counts the context switches of two threads seen to take turns on one CPU; the "
       "switch cases prove their switches from that interleaving, with rusage as a second witness",
       {&P::rusage_switches}},
      {"platform/mincore",
       "mincore reports the pages of a fresh anonymous mapping absent and a written one "
       "resident; signal/altstack-churn relies on it to show a frame written into new pages",
       {&P::mincore}},
  };
  return s;
}

// The verdict from the probes' answers, measured once for the whole run.
void judge(const PlatformCaseSpec& spec, const PlatformCapabilities& p, CaseResult& r) {
  unsigned works = 0;
  std::string untestable;
  for (auto member : spec.capabilities) {
    const CapabilityField& f = capability_field(member);
    const Capability& c = p.*member;
    r.facts[f.name] = {{"state", capability_state_name(c.state)}, {"detail", c.detail}};
    if (c.works()) ++works;
    if (c.broken())
      r.findings.push_back({fmt::format("platform.{}", f.name),
                            fmt::format("{} do not work: {}", f.what, c.detail), "what Linux does",
                            "broken"});
    if (!c.works() && !c.broken())
      untestable += fmt::format("{}{} {}: {}", untestable.empty() ? "" : "; ", f.what,
                                capability_state_name(c.state), c.detail);
  }
  if (!r.findings.empty()) {
    r.status = Status::kFail;
    r.reason = r.findings.front().message;
  } else if (works == 0) {
    r.status = Status::kSkip;
    r.reason = "could not be probed here: " + untestable;
  } else {
    r.status = Status::kPass;
  }
}

}  // namespace

std::vector<CaseDescriptor> platform_cases() {
  std::vector<CaseDescriptor> out;
  for (const PlatformCaseSpec& spec : specs()) {
    CaseDescriptor d;
    d.id = spec.id;
    d.description = spec.description;
    d.guards = spec.guards;
    d.transition = "platform";
    d.handler = "none";
    d.injector = "platform probe";
    d.routine = "none";
    d.applicable = [](const Machine& m) {
      return m.platform.probed ? Availability::yes()
                               : Availability::no("the platform was not probed");
    };
    const PlatformCaseSpec* s = &spec;
    d.run = [s](const CaseContext& ctx, CaseResult& r) { judge(*s, ctx.machine.platform, r); };
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sigctx
