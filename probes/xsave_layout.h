// The XSAVE layout as CPUID leaf 0xD describes it. Offsets and sizes always come from here:
// they differ between vendors (opmask is at 0x340 on AMD Zen 4 and 0x440 on Intel).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "probes/cpuid.h"

namespace sigctx {

// Architectural XSAVE state-component indices (Intel SDM vol. 1, 13.1).
enum XsaveIndex : unsigned {
  kXsaveX87 = 0,
  kXsaveSse = 1,
  kXsaveAvx = 2,
  kXsaveBndregs = 3,
  kXsaveBndcsr = 4,
  kXsaveOpmask = 5,
  kXsaveZmmHi256 = 6,
  kXsaveHi16Zmm = 7,
  kXsavePt = 8,
  kXsavePkru = 9,
  kXsavePasid = 10,
  kXsaveCetU = 11,
  kXsaveCetS = 12,
  kXsaveHdc = 13,
  kXsaveUintr = 14,
  kXsaveLbr = 15,
  kXsaveHwp = 16,
  kXsaveTilecfg = 17,
  kXsaveTiledata = 18,
  kXsaveApx = 19,
};

// Short name of a state component ("avx", "opmask", "amx_tiledata", "xsave:23" when unknown).
std::string xsave_component_name(unsigned index);
// The names of the components in mask, lowest first, separated by spaces ("x87 sse avx pkru");
// "none" for an empty mask.
std::string xsave_mask_names(uint64_t mask);

struct XsaveComponentInfo {
  unsigned index = 0;
  uint32_t size = 0;    // CPUID.(0xD,i):EAX
  uint32_t offset = 0;  // CPUID.(0xD,i):EBX, standard-format offset (0 for supervisor components)
  bool supervisor = false;  // ECX bit 0: managed through IA32_XSS, not XCR0
  bool align64 = false;     // ECX bit 1: 64-byte aligned in the compacted format
  bool xfd = false;         // ECX bit 2: can be armed for first-use faults (XFD)
};

struct XsaveLayout {
  bool xsave = false;                 // CPUID.1:ECX.XSAVE
  bool osxsave = false;               // CPUID.1:ECX.OSXSAVE
  bool xsaveopt = false;              // CPUID.(0xD,1):EAX bit 0
  bool xsavec = false;                // bit 1
  bool xgetbv1 = false;               // bit 2: XGETBV with ECX=1 (XINUSE)
  bool xsaves = false;                // bit 3
  bool xfd = false;                   // bit 4
  uint64_t supported_user = 0;        // CPUID.(0xD,0):EDX:EAX, the XCR0-settable bits
  uint64_t supported_supervisor = 0;  // CPUID.(0xD,1):EDX:ECX, the IA32_XSS-settable bits
  uint32_t size_enabled = 0;  // CPUID.(0xD,0):EBX, standard size for the features enabled in XCR0
  uint32_t size_max = 0;      // CPUID.(0xD,0):ECX, standard size for every supported feature
  uint32_t size_compacted_enabled = 0;              // CPUID.(0xD,1):EBX
  std::array<XsaveComponentInfo, 64> components{};  // indexed by component; size 0 = none

  // Parses leaf 0xD from any CPUID source. Pure: no XGETBV, no OS involvement.
  static XsaveLayout from_cpuid(const CpuidSource& cpuid);

  const XsaveComponentInfo& component(unsigned index) const { return components.at(index); }
  bool has(unsigned index) const { return index < 64 && components[index].size != 0; }
  // Standard (non-compacted) size of an XSAVE area holding the features in mask: the end of the
  // furthest component, and never less than the legacy area plus header (576 bytes).
  uint32_t standard_size(uint64_t mask) const;
  // Compacted-format offset of component index for the given XCOMP_BV (SDM 13.4.3).
  uint32_t compacted_offset(uint64_t xcomp_bv, unsigned index) const;
  uint32_t compacted_size(uint64_t xcomp_bv) const;
};

}  // namespace sigctx
