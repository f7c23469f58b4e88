// Which kernel implements the Linux ABI under us, when it is not Linux on the hardware: gVisor's
// Sentry and user-mode Linux run on the host's CPU and answer CPUID with the host's values, so
// only what they report about themselves tells them apart; and which hypervisor, by name, from
// CPUID and from what the guest kernel logged (a nested hypervisor can show one to CPUID and
// another to the kernel: "bhyve" against "PVM").
#include <sys/klog.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "probes/probe_parts.h"

namespace sigctx {

namespace {

std::string read_text(const char* path, size_t limit = 1 << 16) {
  std::ifstream f(path);
  std::string s;
  std::getline(f, s, '\0');
  if (s.size() > limit) s.resize(limit);
  return s;
}

// The kernel log, where the caller may read it (dmesg_restrict lets only CAP_SYSLOG); empty
// otherwise.
std::string kernel_log() {
  const int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
  if (size <= 0) return "";
  std::string buf(static_cast<size_t>(size), '\0');
  const int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf.data(), size);
  if (n <= 0) return "";
  buf.resize(static_cast<size_t>(n));
  return buf;
}

}  // namespace

bool looks_like_gvisor(const std::string& uname_version, const std::string& kernel_log) {
  // The Sentry reports a fixed version string and opens its log with its own name.
  return uname_version == "#1 SMP Sun Jan 10 15:06:54 PST 2016" ||
         kernel_log.find("Starting gVisor") != std::string::npos;
}

bool looks_like_uml(const std::string& cpuinfo) {
  std::istringstream in(cpuinfo);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("vendor_id", 0) == 0) return line.find("User Mode Linux") != std::string::npos;
  return false;
}

std::string hypervisor_name(const std::string& signature) {
  static const std::pair<const char*, const char*> kKnown[] = {
      {"KVMKVMKVM", "KVM"},           {"bhyve bhyve ", "bhyve"},  {"Microsoft Hv", "Hyper-V"},
      {"VMwareVMware", "VMware"},     {"XenVMMXenVMM", "Xen"},    {"TCGTCGTCGTCG", "QEMU TCG"},
      {" lrpepyh  vr", "Parallels"},  {"ACRNACRNACRN", "ACRN"},   {"QNXQVMBSQG", "QNX"},
      {"VBoxVBoxVBox", "VirtualBox"}, {"Jailhouse", "Jailhouse"}, {"EVMMEVMMEVMM", "Intel KGT"},
  };
  if (signature.empty()) return "";
  for (const auto& [sig, name] : kKnown)
    if (signature == sig) return name;
  return "unknown (\"" + signature + "\")";
}

std::string kernel_hypervisor(const std::string& kernel_log) {
  static const std::string kLine = "Hypervisor detected: ";
  const size_t at = kernel_log.find(kLine);
  if (at == std::string::npos) return "";
  const size_t start = at + kLine.size();
  return kernel_log.substr(start, kernel_log.find('\n', start) - start);
}

void probe_sandbox(const OsInfo& os, EnvironmentInfo* e) {
  const std::string log = kernel_log();
  e->gvisor = looks_like_gvisor(os.version, log);
  e->uml = looks_like_uml(read_text("/proc/cpuinfo"));
  e->hypervisor_name = hypervisor_name(e->hypervisor_vendor);
  e->kernel_hypervisor = kernel_hypervisor(log);
}

}  // namespace sigctx
