// The pieces probe_machine() assembles, each in its own file.
#pragma once

#include <string>

#include "probes/machine.h"

namespace sigctx {

CpuIdentity identify_cpu(const CpuidSource& cpuid);           // identity.cpp (libcpuid)
AuxvInfo probe_auxv();                                        // os_info.cpp
OsInfo probe_os();                                            // os_info.cpp
void probe_libc(std::string* name, std::string* version);     // libc_info.cpp
EnvironmentInfo probe_environment(const CpuidSource& cpuid);  // environment.cpp

// sandbox.cpp: gVisor, user-mode Linux and the hypervisor by name, into *e (after
// probe_environment, which reads the CPUID signature).
void probe_sandbox(const OsInfo& os, EnvironmentInfo* e);
// The decisions, kept pure so they can be tested without the environments.
bool looks_like_gvisor(const std::string& uname_version, const std::string& kernel_log);
bool looks_like_uml(const std::string& cpuinfo);
std::string hypervisor_name(const std::string& cpuid_signature);  // "KVMKVMKVM" -> "KVM"
std::string kernel_hypervisor(const std::string& kernel_log);     // "Hypervisor detected: X"

// qemu_user.cpp: two answers to "which executable is this process?". Natively both come from
// the same kernel object and agree; a user-mode emulator rewrites only the first.
struct ExecutableViews {
  std::string reported;  // readlink("/proc/self/exe"): the path emulators rewrite
  std::string kernel;    // readlinkat(fd of /proc/self, "exe"): a route they do not
  bool disagree() const { return !reported.empty() && !kernel.empty() && reported != kernel; }
};
ExecutableViews probe_executable_views();
// The decision, kept pure so it can be tested without QEMU: a user-mode emulator is present
// (views disagree), and it is QEMU's TCG rather than valgrind. cpuid_signature is the vendor
// signature of CPUID leaf 0x40000000, read whether or not CPUID.1:ECX.HV is set.
bool looks_like_qemu_user(const ExecutableViews& views, const std::string& cpuid_signature,
                          bool valgrind);

}  // namespace sigctx

// valgrind_request.S: valgrind's RUNNING_ON_VALGRIND client request. Returns the number of
// valgrind layers we run under: 0 natively (the request is a no-op sequence), 1 under valgrind.
extern "C" unsigned long sigctx_running_on_valgrind();
