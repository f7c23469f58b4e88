#include <cstring>
#include <fstream>
#include <string>

#include "probes/probe_parts.h"

namespace sigctx {

EnvironmentInfo probe_environment(const CpuidSource& cpuid) {
  EnvironmentInfo e;
  e.hypervisor = (cpuid.query(1, 0).ecx >> 31) & 1;
  if (e.hypervisor) {
    const CpuidRegs h = cpuid.query(0x40000000, 0);
    char sig[13] = {};
    std::memcpy(sig, &h.ebx, 4);
    std::memcpy(sig + 4, &h.ecx, 4);
    std::memcpy(sig + 8, &h.edx, 4);
    e.hypervisor_vendor = sig;
  }
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("TracerPid:", 0) == 0) {
      e.tracer_pid = std::stoi(line.substr(10));
      e.ptraced = e.tracer_pid != 0;
    }
  }
  return e;
}

}  // namespace sigctx
