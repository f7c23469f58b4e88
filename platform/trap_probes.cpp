// Do the traps the step and int3 injectors use reach a SIGTRAP handler? Under user-mode Linux
// (6.1) they do not: the process dies of SIGTRAP although a handler is installed. That is one
// finding (platform/trap-delivery), and the cases built on those traps skip naming it.
#include <signal.h>
#include <ucontext.h>

#include <fmt/format.h>
#include <cstring>

#include "platform/capability_probes.h"

extern "C" {
void sigctx_probe_tf_steps();
void sigctx_probe_int3();
extern char sigctx_probe_int3_after[];
}

namespace sigctx {

namespace {

constexpr int kProbeTimeoutMs = 5000;

volatile sig_atomic_t g_traps = 0;
volatile uint64_t g_trap_rip = 0;

void on_trap(int, siginfo_t*, void* uc) {
  g_traps = g_traps + 1;
  g_trap_rip = static_cast<uint64_t>(static_cast<ucontext_t*>(uc)->uc_mcontext.gregs[REG_RIP]);
}

}  // namespace

Capability trap_verdict(const ProbeChildEnd& end, const char* what) {
  if (end.answered) return end.answer;
  if (end.signal == SIGTRAP)
    return Capability::broken_because(
        fmt::format("the SIGTRAP of {} killed the process instead of reaching its handler", what));
  return Capability::broken_because(fmt::format("after {} the probe {}", what, end.how_ended));
}

Capability probe_trap_flag() {
  return trap_verdict(
      run_probe_child(
          [] {
            on_sigtrap(on_trap);
            sigctx_probe_tf_steps();
            if (g_traps == 0)
              return Capability::broken_because(
                  "RFLAGS.TF was set over seven instructions and no SIGTRAP arrived");
            return Capability::works_because(
                fmt::format("RFLAGS.TF set over seven instructions gave {} SIGTRAPs to the handler",
                            static_cast<int>(g_traps)));
          },
          kProbeTimeoutMs),
      "a TF single step");
}

Capability probe_int3() {
  return trap_verdict(
      run_probe_child(
          [] {
            on_sigtrap(on_trap);
            sigctx_probe_int3();
            const uint64_t after = reinterpret_cast<uint64_t>(sigctx_probe_int3_after);
            if (g_traps != 1)
              return Capability::broken_because(
                  fmt::format("one int3 gave {} SIGTRAPs", static_cast<int>(g_traps)));
            if (g_trap_rip != after)
              return Capability::broken_because(fmt::format(
                  "the int3's SIGTRAP reported rip {:#x}, not {:#x} after the instruction",
                  static_cast<uint64_t>(g_trap_rip), after));
            return Capability::works_because(
                "an int3 reached the SIGTRAP handler with rip after the instruction");
          },
          kProbeTimeoutMs),
      "an int3");
}

}  // namespace sigctx
