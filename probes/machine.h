// The machine fingerprint: CPU, XSAVE state, OS, libc and environment. Every item is detected,
// never assumed. Component availability and the signal-frame checks read from here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/capabilities.h"
#include "probes/cpuid.h"
#include "probes/xsave_layout.h"

namespace sigctx {

// CPU features sigctx needs to decide availability, decoded from CPUID.
struct CpuFeatures {
  bool sse2 = false, fxsr = false, xsave = false, osxsave = false;
  bool avx = false, avx2 = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool pku = false, ospke = false;  // CPUID.7.0:ECX bits 3 and 4
  bool fsgsbase = false;            // CPUID.7.0:EBX bit 0 (the OS must also enable it: HWCAP2)
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;
  bool apx_f = false;       // CPUID.7.1:EDX bit 21
  bool hypervisor = false;  // CPUID.1:ECX bit 31
  bool rdpid = false;
};

// The features by name, in declaration order: the JSON keys under "cpu.features" and the words of
// the text report. One table, so the writer, the reader and the report cannot drift apart.
struct CpuFeatureField {
  const char* name;
  bool CpuFeatures::*member;
};
std::span<const CpuFeatureField> cpu_feature_fields();

struct CpuIdentity {
  std::string vendor;                       // "GenuineIntel", "AuthenticAMD", ...
  std::string brand;                        // brand string
  int family = 0, model = 0, stepping = 0;  // display family/model (extended fields folded in)
  int ext_family = 0, ext_model = 0;
  std::string codename;        // libcpuid's name for the core, "unknown" when libcpuid has none
  std::string libcpuid_error;  // non-empty when libcpuid could not identify the CPU
};

struct AuxvInfo {
  uint64_t hwcap = 0;
  uint64_t hwcap2 = 0;
  bool hwcap2_fsgsbase = false;  // HWCAP2_FSGSBASE (bit 1): the kernel enabled the instructions
  uint64_t minsigstksz = 0;      // AT_MINSIGSTKSZ, 0 when the kernel does not provide it
};

struct OsInfo {
  std::string sysname, release, version, machine;  // uname(2)
  std::string libc_name;                           // "glibc", "musl", ...
  std::string libc_version;                        // "2.36"; empty when unknown
};

struct EnvironmentInfo {
  bool hypervisor = false;
  std::string hypervisor_vendor;  // CPUID 0x40000000 signature, e.g. "KVMKVMKVM"
  bool qemu_user = false;
  bool valgrind = false;
  bool ptraced = false;
  int tracer_pid = 0;
  // The executable the kernel is really running when a user-mode emulator (qemu-user, valgrind)
  // hosts us, e.g. "/usr/bin/qemu-x86_64"; empty natively. See probes/qemu_user.cpp.
  std::string emulator_path;
  // Kernels that implement the Linux ABI themselves, on the host's CPU: gVisor's Sentry (runsc)
  // and user-mode Linux. See probes/sandbox.cpp.
  bool gvisor = false;
  bool uml = false;
  // The hypervisor by name: from the CPUID signature ("KVM", "bhyve") and from what the guest
  // kernel logged ("Hypervisor detected: PVM"), which can differ under nested hypervisors.
  std::string hypervisor_name;
  std::string kernel_hypervisor;
  // One word for expectation files and reports: "native", "qemu-user", "valgrind", "gvisor",
  // "uml".
  std::string kind() const;
};

// What one real signal delivery looked like on this machine (filled by the signal module's
// frame probe, see engine/frame_probe.h): the kernel's sizes, not the CPU's.
struct SignalFrameFacts {
  bool measured = false;
  std::string error;              // why it could not be measured
  uint64_t frame_size = 0;        // bytes between the altstack top and the handler's entry rsp
  uint64_t footprint = 0;         // bytes of the altstack the kernel actually wrote
  bool has_xstate_magic = false;  // fpstate sw_reserved magic1 == FP_XSTATE_MAGIC1
  uint32_t xstate_size = 0;       // sw_reserved.xstate_size
  uint32_t extended_size = 0;     // sw_reserved.extended_size
  uint64_t xfeatures = 0;         // sw_reserved.xfeatures
  uint64_t xstate_bv = 0;         // XSAVE header of that frame
  uint64_t xcomp_bv = 0;
};

struct Machine {
  CpuIdentity identity;
  CpuFeatures features;
  std::vector<CpuidLeaf> cpuid_leaves;  // raw leaves recorded for the fingerprint
  XsaveLayout xsave;
  uint64_t xcr0 = 0;               // 0 when OSXSAVE is clear (no XGETBV)
  std::optional<uint64_t> xinuse;  // XGETBV(1) at probe time, when supported
  uint32_t mxcsr_mask = 0;         // from FXSAVE; 0xffbf when the CPU reports 0
  uint64_t xcomp_perm = 0;         // arch_prctl(ARCH_GET_XCOMP_PERM), 0 when unsupported
  uint64_t xcomp_supp = 0;         // arch_prctl(ARCH_GET_XCOMP_SUPP), 0 when unsupported
  AuxvInfo auxv;
  OsInfo os;
  EnvironmentInfo env;
  SignalFrameFacts frame;
  PlatformCapabilities platform;  // measured by platform/capability_probes.h, not probe_machine()

  bool xcr0_has(unsigned index) const { return (xcr0 >> index) & 1; }
  // FS/GS base are reachable with RD/WRFSBASE only when the CPU has them and the kernel set
  // CR4.FSGSBASE (reported through HWCAP2); otherwise through arch_prctl.
  bool fsgsbase_instructions() const { return features.fsgsbase && auxv.hwcap2_fsgsbase; }
  // One line for the report header.
  std::string summary_line() const;
};

// Reads CPU features and identity from a CPUID source (used for the live CPU and for fixtures).
CpuFeatures decode_features(const CpuidSource& cpuid);

// arch_prctl(ARCH_GET_XCOMP_PERM) of the calling process now: the XSAVE features it may use,
// dynamic ones (AMX tile data) only once asked for; 0 when the kernel has no such call.
uint64_t current_xcomp_perm();

// Probes the live machine: CPUID, libcpuid, XCR0/XINUSE, auxv, uname, libc and environment.
// The signal frame facts are left unmeasured; see engine/frame_probe.h.
Machine probe_machine();

// The CPU-only part of a machine, from any CPUID source (a fixture of another CPU in tests):
// features, identity, the fingerprint leaves and the XSAVE layout. Everything the OS decides is
// left at its default: xcr0 = 0 (callers choose what the OS would enable), no XINUSE, no auxv, os
// or environment, mxcsr_mask 0xffbf.
Machine machine_from_cpuid(const CpuidSource& cpuid);

// Everything in the fingerprint, as written into result files under "machine".
nlohmann::json machine_to_json(const Machine& m);
// The inverse, for tools that reload a result file's machine. Restores identity, features, raw
// leaves, XSAVE layout, XCR0/XINUSE, MXCSR mask, XCOMP permissions, auxv, os, libc, environment and
// the signal frame facts. On malformed input returns false and sets *error to the JSON path and
// what is wrong ("machine.xsave.xcr0: expected a hex string"); *m is then unspecified.
bool machine_from_json(const nlohmann::json& j, Machine* m, std::string* error);
// The signal-frame part alone, for carrying a frame measurement out of a forked child.
nlohmann::json signal_frame_to_json(const SignalFrameFacts& f);
bool signal_frame_from_json(const nlohmann::json& j, SignalFrameFacts* f, std::string* error);
// The capabilities alone, for carrying the probes' answers out of a forked child.
nlohmann::json platform_to_json(const PlatformCapabilities& p);
bool platform_from_json(const nlohmann::json& j, PlatformCapabilities* p, std::string* error);
// Human-readable multi-line report for `sigctx probe`.
std::string machine_to_text(const Machine& m);

}  // namespace sigctx
