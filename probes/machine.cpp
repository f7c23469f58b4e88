#include "probes/machine.h"

#include <asm/prctl.h>
#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <iterator>

#include "probes/probe_parts.h"

namespace sigctx {

namespace {

constexpr CpuFeatureField kFeatureFields[] = {
    {"sse2", &CpuFeatures::sse2},         {"fxsr", &CpuFeatures::fxsr},
    {"xsave", &CpuFeatures::xsave},       {"osxsave", &CpuFeatures::osxsave},
    {"avx", &CpuFeatures::avx},           {"avx2", &CpuFeatures::avx2},
    {"avx512f", &CpuFeatures::avx512f},   {"avx512bw", &CpuFeatures::avx512bw},
    {"avx512vl", &CpuFeatures::avx512vl}, {"avx512dq", &CpuFeatures::avx512dq},
    {"pku", &CpuFeatures::pku},           {"ospke", &CpuFeatures::ospke},
    {"fsgsbase", &CpuFeatures::fsgsbase}, {"amx_tile", &CpuFeatures::amx_tile},
    {"amx_int8", &CpuFeatures::amx_int8}, {"amx_bf16", &CpuFeatures::amx_bf16},
    {"apx_f", &CpuFeatures::apx_f},       {"hypervisor", &CpuFeatures::hypervisor},
    {"rdpid", &CpuFeatures::rdpid},
};
// CpuFeatures holds only bools: a new one that is missing here would silently drop out of the
// result files.
static_assert(sizeof(CpuFeatures) == std::size(kFeatureFields) * sizeof(bool),
              "every CpuFeatures member needs a row in kFeatureFields");

}  // namespace

std::span<const CpuFeatureField> cpu_feature_fields() {
  return kFeatureFields;
}

CpuFeatures decode_features(const CpuidSource& cpuid) {
  CpuFeatures f;
  const uint32_t max_leaf = cpuid.query(0, 0).eax;
  const CpuidRegs l1 = cpuid.query(1, 0);
  f.fxsr = (l1.edx >> 24) & 1;
  f.sse2 = (l1.edx >> 26) & 1;
  f.xsave = (l1.ecx >> 26) & 1;
  f.osxsave = (l1.ecx >> 27) & 1;
  f.avx = (l1.ecx >> 28) & 1;
  f.hypervisor = (l1.ecx >> 31) & 1;
  if (max_leaf >= 7) {
    const CpuidRegs l7 = cpuid.query(7, 0);
    f.fsgsbase = l7.ebx & 1;
    f.avx2 = (l7.ebx >> 5) & 1;
    f.avx512f = (l7.ebx >> 16) & 1;
    f.avx512dq = (l7.ebx >> 17) & 1;
    f.avx512bw = (l7.ebx >> 30) & 1;
    f.avx512vl = (l7.ebx >> 31) & 1;
    f.pku = (l7.ecx >> 3) & 1;
    f.ospke = (l7.ecx >> 4) & 1;
    f.rdpid = (l7.ecx >> 22) & 1;
    f.amx_bf16 = (l7.edx >> 22) & 1;
    f.amx_tile = (l7.edx >> 24) & 1;
    f.amx_int8 = (l7.edx >> 25) & 1;
    if (l7.eax >= 1) f.apx_f = (cpuid.query(7, 1).edx >> 21) & 1;
  }
  return f;
}

namespace {

uint32_t probe_mxcsr_mask() {
  alignas(64) uint8_t area[512] = {};
  __asm__ volatile("fxsave64 %0" : "=m"(area));
  uint32_t mask;
  __builtin_memcpy(&mask, area + 28, 4);
  // A zero MXCSR_MASK means the CPU predates DAZ: the architectural default applies.
  return mask ? mask : 0xffbf;
}

uint64_t arch_prctl_get(int code) {
  uint64_t value = 0;
  if (syscall(SYS_arch_prctl, code, &value) != 0) return 0;
  return value;
}

}  // namespace

Machine machine_from_cpuid(const CpuidSource& cpuid) {
  Machine m;
  m.features = decode_features(cpuid);
  m.identity = identify_cpu(cpuid);
  m.cpuid_leaves = collect_fingerprint_leaves(cpuid);
  m.xsave = XsaveLayout::from_cpuid(cpuid);
  m.mxcsr_mask = 0xffbf;
  return m;
}

uint64_t current_xcomp_perm() {
  return arch_prctl_get(ARCH_GET_XCOMP_PERM);
}

Machine probe_machine() {
  LiveCpuid cpuid;
  Machine m = machine_from_cpuid(cpuid);
  // XGETBV faults (#UD) unless the OS set CR4.OSXSAVE, which CPUID.1:ECX.OSXSAVE mirrors.
  if (m.features.osxsave) {
    m.xcr0 = read_xgetbv(0);
    if (m.xsave.xgetbv1) m.xinuse = read_xgetbv(1);
  }
  m.mxcsr_mask = probe_mxcsr_mask();
  m.xcomp_supp = arch_prctl_get(ARCH_GET_XCOMP_SUPP);
  m.xcomp_perm = current_xcomp_perm();
  m.auxv = probe_auxv();
  m.os = probe_os();
  m.env = probe_environment(cpuid);
  probe_sandbox(m.os, &m.env);
  return m;
}

std::string EnvironmentInfo::kind() const {
  if (valgrind) return "valgrind";
  if (qemu_user) return "qemu-user";
  if (gvisor) return "gvisor";
  if (uml) return "uml";
  return "native";
}

std::string Machine::summary_line() const {
  std::string extra;
  if (env.hypervisor)
    extra =
        ", " + (env.hypervisor_vendor.empty() ? std::string("hypervisor") : env.hypervisor_vendor);
  if (env.kind() != "native") extra += ", " + env.kind();
  if (env.ptraced) extra += fmt::format(", traced by pid {}", env.tracer_pid);
  return fmt::format("{} family {:#x} model {:#x} stepping {} ({}), {} {}, {} {}, XCR0 {:#x}{}",
                     identity.vendor, identity.family, identity.model, identity.stepping,
                     identity.codename, os.sysname, os.release, os.libc_name, os.libc_version, xcr0,
                     extra);
}

}  // namespace sigctx
