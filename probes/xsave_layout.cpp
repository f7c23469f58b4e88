#include "probes/xsave_layout.h"

#include <fmt/format.h>
#include <algorithm>

namespace sigctx {

std::string xsave_component_name(unsigned index) {
  static const char* const kNames[] = {
      "x87",      "sse", "avx",  "bndregs",     "bndcsr",       "opmask", "zmm_hi256",
      "hi16_zmm", "pt",  "pkru", "pasid",       "cet_u",        "cet_s",  "hdc",
      "uintr",    "lbr", "hwp",  "amx_tilecfg", "amx_tiledata", "apx"};
  if (index < sizeof(kNames) / sizeof(kNames[0])) return kNames[index];
  return fmt::format("xsave:{}", index);
}

std::string xsave_mask_names(uint64_t mask) {
  std::string out;
  for (unsigned i = 0; i < 64; ++i) {
    if (!((mask >> i) & 1)) continue;
    if (!out.empty()) out += ' ';
    out += xsave_component_name(i);
  }
  return out.empty() ? "none" : out;
}

XsaveLayout XsaveLayout::from_cpuid(const CpuidSource& cpuid) {
  XsaveLayout l;
  const CpuidRegs leaf1 = cpuid.query(1, 0);
  l.xsave = (leaf1.ecx >> 26) & 1;
  l.osxsave = (leaf1.ecx >> 27) & 1;
  if (cpuid.query(0, 0).eax < 0xd || !l.xsave) return l;
  const CpuidRegs d0 = cpuid.query(0xd, 0);
  const CpuidRegs d1 = cpuid.query(0xd, 1);
  l.supported_user = (uint64_t{d0.edx} << 32) | d0.eax;
  l.size_enabled = d0.ebx;
  l.size_max = d0.ecx;
  l.xsaveopt = d1.eax & 1;
  l.xsavec = (d1.eax >> 1) & 1;
  l.xgetbv1 = (d1.eax >> 2) & 1;
  l.xsaves = (d1.eax >> 3) & 1;
  l.xfd = (d1.eax >> 4) & 1;
  l.size_compacted_enabled = d1.ebx;
  l.supported_supervisor = (uint64_t{d1.edx} << 32) | d1.ecx;
  // The legacy region and the header are architectural.
  l.components[0] = {0, 160, 0, false, false, false};
  l.components[1] = {1, 256, 160, false, false, false};
  for (unsigned i = 2; i < 63; ++i) {
    if (!(((l.supported_user | l.supported_supervisor) >> i) & 1)) continue;
    const CpuidRegs r = cpuid.query(0xd, i);
    XsaveComponentInfo c;
    c.index = i;
    c.size = r.eax;
    c.offset = r.ebx;
    c.supervisor = r.ecx & 1;
    c.align64 = (r.ecx >> 1) & 1;
    c.xfd = (r.ecx >> 2) & 1;
    l.components[i] = c;
  }
  return l;
}

uint32_t XsaveLayout::standard_size(uint64_t mask) const {
  uint32_t end = 512 + 64;
  for (unsigned i = 2; i < 64; ++i)
    if (((mask >> i) & 1) && has(i) && !components[i].supervisor)
      end = std::max(end, components[i].offset + components[i].size);
  return end;
}

uint32_t XsaveLayout::compacted_offset(uint64_t xcomp_bv, unsigned index) const {
  uint32_t off = 512 + 64;
  for (unsigned i = 2; i < index && i < 63; ++i) {
    if (!((xcomp_bv >> i) & 1) || !has(i)) continue;
    if (components[i].align64) off = (off + 63) & ~63u;
    off += components[i].size;
  }
  if (index >= 2 && index < 64 && has(index) && components[index].align64) off = (off + 63) & ~63u;
  return index < 2 ? components[index].offset : off;
}

uint32_t XsaveLayout::compacted_size(uint64_t xcomp_bv) const {
  uint32_t last = 0;
  for (unsigned i = 2; i < 63; ++i)
    if (((xcomp_bv >> i) & 1) && has(i)) last = i;
  if (last == 0) return 512 + 64;
  return compacted_offset(xcomp_bv, last) + components[last].size;
}

}  // namespace sigctx
