#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "probes/probe_parts.h"

namespace sigctx {

namespace {

// The vendor signature of CPUID leaf 0x40000000 (ebx, ecx, edx).
std::string hypervisor_signature(const CpuidSource& cpuid) {
  const CpuidRegs h = cpuid.query(0x40000000, 0);
  char sig[13] = {};
  std::memcpy(sig, &h.ebx, 4);
  std::memcpy(sig + 4, &h.ecx, 4);
  std::memcpy(sig + 8, &h.edx, 4);
  return sig;
}

// TracerPid from /proc/self/status: a debugger or strace changes signal delivery (ptrace stops),
// so results under one are reported as such.
int tracer_pid() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("TracerPid:", 0) == 0)
      return static_cast<int>(std::strtol(line.c_str() + 10, nullptr, 10));
  return 0;
}

}  // namespace

EnvironmentInfo probe_environment(const CpuidSource& cpuid) {
  EnvironmentInfo e;
  // Leaf 0x40000000 is only reported as a hypervisor vendor when CPUID.1:ECX.HV says one is
  // there: on bare metal Intel answers it with the data of the highest basic leaf. The qemu-user
  // check reads it regardless, because QEMU's TCG keeps its signature even with -cpu
  // ...,-hypervisor and garbage cannot spell it.
  const std::string signature = hypervisor_signature(cpuid);
  e.hypervisor = (cpuid.query(1, 0).ecx >> 31) & 1;
  if (e.hypervisor) e.hypervisor_vendor = signature;
  e.valgrind = sigctx_running_on_valgrind() != 0;
  const ExecutableViews views = probe_executable_views();
  if (views.disagree()) e.emulator_path = views.kernel;
  e.qemu_user = looks_like_qemu_user(views, signature, e.valgrind);
  e.tracer_pid = tracer_pid();
  e.ptraced = e.tracer_pid != 0;
  return e;
}

}  // namespace sigctx
