#include "probes/capabilities.h"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

namespace sigctx {

const char* capability_state_name(CapabilityState s) {
  switch (s) {
    case CapabilityState::kUnprobed:
      return "unprobed";
    case CapabilityState::kWorks:
      return "works";
    case CapabilityState::kBroken:
      return "broken";
    case CapabilityState::kRefused:
      return "refused";
  }
  return "?";
}

bool parse_capability_state(const std::string& name, CapabilityState* out) {
  for (CapabilityState s : {CapabilityState::kUnprobed, CapabilityState::kWorks,
                            CapabilityState::kBroken, CapabilityState::kRefused})
    if (name == capability_state_name(s)) {
      *out = s;
      return true;
    }
  return false;
}

std::span<const CapabilityField> capability_fields() {
  using P = PlatformCapabilities;
  static constexpr std::array<CapabilityField, 9> fields = {{
      {"perf_breakpoint", "perf_event_open execute breakpoints", "platform/debug-registers",
       &P::perf_breakpoint},
      {"ptrace_breakpoint", "ptrace DR0/DR7 execute breakpoints", "platform/debug-registers",
       &P::ptrace_breakpoint},
      {"ptrace_singlestep", "ptrace single steps", "platform/ptrace-singlestep",
       &P::ptrace_singlestep},
      {"trap_flag", "RFLAGS.TF single steps", "platform/trap-delivery", &P::trap_flag},
      {"int3", "int3 breakpoints", "platform/trap-delivery", &P::int3},
      {"rusage_switches", "getrusage context switch counts", "platform/rusage-switches",
       &P::rusage_switches},
      {"mincore", "mincore residency", "platform/mincore", &P::mincore},
      {"core_dumps", "core dumps", "", &P::core_dumps},
      {"perf_events", "software perf events", "", &P::perf_events},
  }};
  return fields;
}

const CapabilityField& capability_field(Capability PlatformCapabilities::*member) {
  for (const CapabilityField& f : capability_fields())
    if (f.member == member) return f;
  throw std::logic_error("capability_field: not in the table");
}

std::string capability_skip_reason(const CapabilityField& field, const Capability& c) {
  std::string s = fmt::format("{} {} here: {}", field.what,
                              c.broken() ? "do not work" : "are not available", c.detail);
  if (c.broken() && *field.platform_case)
    s += fmt::format(" (reported by {})", field.platform_case);
  return s;
}

}  // namespace sigctx
