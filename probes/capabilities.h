// What the platform does with the mechanisms the cases rely on (DESIGN.md section 8a): debug
// registers, trap delivery, the cost of a delivery, rusage's switch counts, mincore, core dumps,
// perf, the clock and the CPUs. Measured once per process (platform/capability_probes.h) and
// recorded in the fingerprint, so a platform's limit is one named finding that the dependent
// cases fall back from or skip on, never a cascade of errors.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace sigctx {

enum class CapabilityState : uint8_t {
  kUnprobed,  // not measured (an old result file, or the probe itself could not decide)
  kWorks,     // does what Linux promises
  kBroken,    // accepted, but does not do what Linux promises: a deviation of the platform
  kRefused,   // refused by configuration or permission (perf_event_paranoid, seccomp, ...)
};
const char* capability_state_name(CapabilityState s);  // "unprobed", "works", ...
bool parse_capability_state(const std::string& name, CapabilityState* out);

struct Capability {
  CapabilityState state = CapabilityState::kUnprobed;
  std::string detail;  // what was tried and what happened, in a sentence
  bool works() const { return state == CapabilityState::kWorks; }
  bool broken() const { return state == CapabilityState::kBroken; }
  // Whether a case that needs this capability can rely on it: works, or was never probed (then
  // the case finds out for itself, as before the probes existed).
  bool usable() const {
    return state == CapabilityState::kWorks || state == CapabilityState::kUnprobed;
  }
  static Capability works_because(std::string d) { return {CapabilityState::kWorks, std::move(d)}; }
  static Capability broken_because(std::string d) {
    return {CapabilityState::kBroken, std::move(d)};
  }
  static Capability refused_because(std::string d) {
    return {CapabilityState::kRefused, std::move(d)};
  }
  static Capability unprobed_because(std::string d) {
    return {CapabilityState::kUnprobed, std::move(d)};
  }
};

struct ClockFacts {
  std::string source;          // /sys/.../current_clocksource ("tsc", "jiffies"); empty if unknown
  uint64_t resolution_ns = 0;  // clock_getres(CLOCK_MONOTONIC)
  uint64_t step_ns = 0;        // the smallest step seen between two readings
};

struct PlatformCapabilities {
  bool probed = false;
  Capability perf_breakpoint;    // perf_event_open execute breakpoints count and send SIGTRAP
  Capability ptrace_breakpoint;  // DR0/DR7 written through ptrace stop a traced child
  Capability ptrace_singlestep;  // PTRACE_SINGLESTEP stops, and PTRACE_CONT then runs on
  Capability trap_flag;          // RFLAGS.TF single steps reach the SIGTRAP handler
  Capability int3;               // int3 reaches the SIGTRAP handler
  Capability rusage_switches;    // getrusage counts the context switches of a yielding thread
  Capability mincore;            // mincore tells untouched anonymous pages from touched ones
  Capability core_dumps;         // the kernel writes core files where a case can read them
  Capability perf_events;        // software perf events (task-clock) can be opened
  double delivery_ns = 0;        // one signal round trip with the irritating handler; 0: unmeasured
  double syscall_ns = 0;         // one getppid
  double handler_delay_ns = 0;   // added to every delivery on purpose (SIGCTX_HANDLER_DELAY_US)
  ClockFacts clock;
  unsigned online_cpus = 0;   // sysconf(_SC_NPROCESSORS_ONLN)
  unsigned allowed_cpus = 0;  // sched_getaffinity of the process
};

// The capabilities by name, in declaration order: the JSON keys under "platform" and the lines
// of `sigctx probe`. One table, so the writer, the reader and the report cannot drift apart.
struct CapabilityField {
  const char* name;           // "perf_breakpoint"
  const char* what;           // "perf_event_open execute breakpoints"
  const char* platform_case;  // the platform/ case that reports a broken one; "" for none
  Capability PlatformCapabilities::*member;
};
std::span<const CapabilityField> capability_fields();

// How a case that needs a capability skips when the platform lacks it: the probe's finding,
// named so that the platform/ case reporting it can be found.
std::string capability_skip_reason(const CapabilityField& field, const Capability& c);
const CapabilityField& capability_field(Capability PlatformCapabilities::*member);

}  // namespace sigctx
