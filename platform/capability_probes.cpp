#include "platform/capability_probes.h"

#include <sched.h>
#include <unistd.h>

#include "engine/handler.h"

namespace sigctx {

PlatformCapabilities probe_platform(const Machine& m) {
  PlatformCapabilities p;
  p.probed = true;
  p.clock = probe_clock();
  p.online_cpus = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
    p.allowed_cpus = static_cast<unsigned>(CPU_COUNT(&allowed));
  p.perf_events = probe_perf_events();
  p.perf_breakpoint = probe_perf_breakpoint();
  // qemu-user has no ptrace at all and valgrind would show its JIT's registers: the ptrace
  // cases skip there by their own check, and the probe would only report the emulator.
  const bool no_ptrace = m.env.qemu_user || m.env.valgrind;
  const Capability emulated =
      Capability::refused_because("ptrace of the program is not possible under " + m.env.kind());
  p.ptrace_breakpoint = no_ptrace ? emulated : probe_ptrace_breakpoint();
  p.ptrace_singlestep = no_ptrace ? emulated : probe_ptrace_singlestep();
  p.trap_flag = probe_trap_flag();
  p.int3 = probe_int3();
  p.rusage_switches = probe_rusage_switches();
  p.mincore = probe_mincore();
  p.core_dumps = probe_core_dumps();
  p.handler_delay_ns = static_cast<double>(handler_delay_ns());
  p.syscall_ns = measure_syscall_ns(p.clock);
  p.delivery_ns = measure_delivery_ns(m, p.clock);
  return p;
}

}  // namespace sigctx
