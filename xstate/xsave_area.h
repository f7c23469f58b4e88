// A standard-format XSAVE area, as XSAVE writes it: the FXSAVE legacy region (512 bytes), the
// 64-byte header (XSTATE_BV, XCOMP_BV), and each extended component at the offset CPUID leaf
// 0xD gives. A Linux signal frame's fpstate, ptrace's NT_X86_XSTATE regset, a core file's
// NT_X86_XSTATE note and the exec helper's record all hold one; this reads and writes
// components in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "probes/machine.h"
#include "xstate/component.h"

namespace sigctx {

constexpr size_t kFxsaveBytes = 512;
constexpr size_t kXsaveHeaderBytes = 64;
constexpr size_t kXsaveHeaderOffset = kFxsaveBytes;

class XsaveArea {
 public:
  // `valid` bytes of `bytes` are meaningful. Without `extended` it is a bare FXSAVE image: no
  // header, no extended components.
  XsaveArea(uint8_t* bytes, size_t valid, bool extended)
      : bytes_(bytes), valid_(valid), extended_(extended) {}

  bool extended() const { return extended_; }
  uint64_t xstate_bv() const;
  uint64_t xcomp_bv() const;
  void set_xstate_bv(uint64_t v);

  // Where a field of a component lives, or nullptr (no XSAVE slot; an extended component of a
  // bare FXSAVE image or of a CPU without it; a slot beyond the valid bytes).
  uint8_t* slot(const ComponentDescriptor& c, const Field& f, const XsaveLayout& layout) const;

  // Reads a component XSAVE holds into `out`. When its XSTATE_BV bit is clear (and the bit
  // governs it) it reads as its init values, as XRSTOR would load it. False, with *why set, for
  // a component the area does not hold.
  bool read(const ComponentDescriptor& c, const Machine& m, CpuImage& out, std::string* why) const;
  // Writes a component from `in` and sets its XSTATE_BV bit, so XRSTOR loads it.
  bool write(const ComponentDescriptor& c, const Machine& m, const CpuImage& in);

 private:
  uint8_t* bytes_;
  size_t valid_;
  bool extended_;
};

}  // namespace sigctx
