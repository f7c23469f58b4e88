// The pieces probe_machine() assembles, each in its own file.
#pragma once

#include "probes/machine.h"

namespace sigctx {

CpuIdentity identify_cpu(const CpuidSource& cpuid);  // identity.cpp (libcpuid)
AuxvInfo probe_auxv();                               // os_info.cpp
OsInfo probe_os();                                   // os_info.cpp
EnvironmentInfo probe_environment(const CpuidSource& cpuid);  // environment.cpp

}  // namespace sigctx
