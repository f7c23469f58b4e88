#include <libcpuid.h>

#include <cstring>

#include "probes/probe_parts.h"

namespace sigctx {

CpuIdentity identify_cpu(const CpuidSource& cpuid) {
  CpuIdentity id;
  // Vendor from raw CPUID, so it is right even where libcpuid does not know the CPU.
  const CpuidRegs l0 = cpuid.query(0, 0);
  char vendor[13] = {};
  std::memcpy(vendor, &l0.ebx, 4);
  std::memcpy(vendor + 4, &l0.edx, 4);
  std::memcpy(vendor + 8, &l0.ecx, 4);
  id.vendor = vendor;
  const CpuidRegs l1 = cpuid.query(1, 0);
  const int base_family = (l1.eax >> 8) & 0xf, base_model = (l1.eax >> 4) & 0xf;
  id.ext_family = (l1.eax >> 20) & 0xff;
  id.ext_model = (l1.eax >> 16) & 0xf;
  id.family = base_family == 0xf ? base_family + id.ext_family : base_family;
  id.model = (base_family == 0x6 || base_family == 0xf) ? (id.ext_model << 4) | base_model
                                                        : base_model;
  id.stepping = l1.eax & 0xf;
  id.codename = "unknown";

  cpu_raw_data_t raw;
  cpu_id_t data;
  if (cpuid_get_raw_data(&raw) < 0 || cpu_identify(&raw, &data) < 0) {
    id.libcpuid_error = cpuid_error();
    return id;
  }
  id.brand = data.brand_str;
  if (data.cpu_codename[0]) id.codename = data.cpu_codename;
  return id;
}

}  // namespace sigctx
