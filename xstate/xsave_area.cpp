#include "xstate/xsave_area.h"

#include <algorithm>
#include <cstring>

#include "xstate/component_registry.h"

namespace sigctx {

namespace {

uint64_t read64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

uint64_t XsaveArea::xstate_bv() const {
  return extended_ && valid_ >= kFxsaveBytes + kXsaveHeaderBytes
             ? read64(bytes_ + kXsaveHeaderOffset)
             : 0;
}
uint64_t XsaveArea::xcomp_bv() const {
  return extended_ && valid_ >= kFxsaveBytes + kXsaveHeaderBytes
             ? read64(bytes_ + kXsaveHeaderOffset + 8)
             : 0;
}
void XsaveArea::set_xstate_bv(uint64_t v) {
  if (extended_ && valid_ >= kFxsaveBytes + kXsaveHeaderBytes)
    std::memcpy(bytes_ + kXsaveHeaderOffset, &v, 8);
}

uint8_t* XsaveArea::slot(const ComponentDescriptor& c, const Field& f,
                         const XsaveLayout& layout) const {
  if (!bytes_ || c.xsave_index < 0 || f.xsave_offset < 0) return nullptr;
  size_t base = 0;
  if (c.xsave_index >= 2) {
    if (!extended_ || !layout.has(static_cast<unsigned>(c.xsave_index))) return nullptr;
    base = layout.component(static_cast<unsigned>(c.xsave_index)).offset;
  }
  const size_t at = base + static_cast<size_t>(f.xsave_offset);
  const size_t len = std::max<size_t>(f.size, f.xsave_size);
  if (at + len > (extended_ ? valid_ : std::min(valid_, kFxsaveBytes))) return nullptr;
  return bytes_ + at;
}

bool XsaveArea::read(const ComponentDescriptor& c, const Machine& m, CpuImage& out,
                     std::string* why) const {
  if (c.xsave_index < 0) {
    if (why) *why = std::string(c.name) + " is not XSAVE state";
    return false;
  }
  if (c.xsave_index >= 2 && !extended_) {
    if (why) *why = "the area holds only the FXSAVE legacy region";
    return false;
  }
  if (c.xstate_bv_governs && extended_ && !((xstate_bv() >> c.xsave_index) & 1)) {
    c.init(out);  // XSTATE_BV clear: XRSTOR would load the init state
    return true;
  }
  for (const Field& f : fields_of(c, m)) {
    if (f.xsave_offset < 0) continue;
    const uint8_t* p = slot(c, f, m.xsave);
    if (!p) {
      if (why) *why = "the area is too small to hold " + f.name;
      return false;
    }
    std::memcpy(out.bytes() + f.offset, p, f.size);
  }
  return true;
}

bool XsaveArea::write(const ComponentDescriptor& c, const Machine& m, const CpuImage& in) {
  if (c.xsave_index < 0 || (c.xsave_index >= 2 && !extended_)) return false;
  for (const Field& f : fields_of(c, m)) {
    if (f.xsave_offset < 0) continue;
    uint8_t* p = slot(c, f, m.xsave);
    if (!p) return false;
    std::memcpy(p, in.bytes() + f.offset, f.size);
    if (f.xsave_size > f.size) std::memset(p + f.size, 0, f.xsave_size - f.size);
  }
  if (extended_) set_xstate_bv(xstate_bv() | (1ull << c.xsave_index));
  return true;
}

}  // namespace sigctx
