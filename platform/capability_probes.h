// The platform probes (DESIGN.md section 8a): each asks one question of the OS the cases depend
// on, in a process of its own where an answer may kill it, and says what it tried. probe_platform
// runs them all; runners/fingerprint.cpp does so once per sigctx process and puts the answers in
// the fingerprint (machine.platform) that cases and reports read.
#pragma once

#include <signal.h>

#include <functional>
#include <string>

#include "probes/machine.h"

namespace sigctx {

PlatformCapabilities probe_platform(const Machine& m);

// The probes one by one (breakpoint_probes.cpp, trap_probes.cpp, ...).
Capability probe_perf_breakpoint();
Capability probe_ptrace_breakpoint();
Capability probe_ptrace_singlestep();
Capability probe_trap_flag();
Capability probe_int3();
Capability probe_rusage_switches();
Capability probe_mincore();
Capability probe_core_dumps();
Capability probe_perf_events();
ClockFacts probe_clock();
// One signal round trip with the handler clobbering every available component, as the storms'
// handler does (delivery_cost.cpp); 0 when it could not be measured.
double measure_delivery_ns(const Machine& m, const ClockFacts& clock);
double measure_syscall_ns(const ClockFacts& clock);

// How a probe's own child ended (probe_child.cpp): with an answer, or killed, or hung.
struct ProbeChildEnd {
  bool answered = false;
  Capability answer;      // when answered
  int signal = 0;         // the signal that killed it, when one did
  std::string how_ended;  // "killed by SIGTRAP", "hung for 2000 ms", "exited with status 3"
};
// Runs fn in a forked child with a time limit and carries its answer back.
ProbeChildEnd run_probe_child(const std::function<Capability()>& fn, int timeout_ms);
// Installs handler for SIGTRAP (SA_SIGINFO), in a probe's child.
void on_sigtrap(void (*handler)(int, siginfo_t*, void*));

// The trap probes' reading of how their child ended (trap_probes.cpp): its answer, or, killed
// by the SIGTRAP of `what`, a trap that never reached the handler it had installed.
Capability trap_verdict(const ProbeChildEnd& end, const char* what);

}  // namespace sigctx
