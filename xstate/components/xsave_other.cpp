#include "xstate/components/xsave_other.h"

#include <fmt/format.h>
#include <cstring>

#include "probes/xsave_layout.h"
#include "xstate/component_registry.h"
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" {
uint64_t sigctx_xsave_other_rfbm = 0;
void sigctx_xsave_other_load(sigctx::CpuImage*);
void sigctx_xsave_other_store(sigctx::CpuImage*);
}

namespace sigctx {
namespace {

struct Binding {
  int index = -1;
  bool xfd = false;
  std::string description = "the XCR0 user component without code of its own (unbound)";
  std::vector<Field> fields;
};

Binding& binding() {
  static Binding b;
  return b;
}

constexpr uint32_t kRegionEnd = IMG_XGEN_XSAVE_BASE + IMG_XGEN_BYTES;
constexpr uint32_t kFirstExtended = 576;  // after the legacy area and the header
constexpr unsigned kApx = 19;

bool fits(const XsaveComponentInfo& c) {
  return c.size != 0 && !c.supervisor && c.offset >= kFirstExtended &&
         c.offset + c.size <= kRegionEnd;
}

std::vector<Field> make_fields(unsigned index, uint32_t offset, uint32_t size) {
  std::vector<Field> out;
  auto field = [&](std::string name, std::string bits, uint32_t at, uint32_t bytes, unsigned reg) {
    Field f;
    f.name = std::move(name);
    f.bits = std::move(bits);
    f.offset = static_cast<uint16_t>(IMG_XGEN + offset - IMG_XGEN_XSAVE_BASE + at);
    f.size = static_cast<uint8_t>(bytes);
    f.lane_bytes = 8;
    f.reg = static_cast<uint8_t>(reg);
    f.codec = Codec::kLane64;
    f.xsave_offset = static_cast<int32_t>(at);
    f.xsave_size = static_cast<uint8_t>(bytes);
    out.push_back(f);
  };
  if (index == kApx && size == 128) {  // APX: the extended GPRs r16-r31 (SDM vol. 1, 13.5.13)
    for (unsigned r = 0; r < 16; ++r)
      field(fmt::format("r{}", 16 + r), "", 8 * r, 8, 16 + r);
    return out;
  }
  // Unknown layout: 64-byte pieces, whole 8-byte lanes (a tail of fewer bytes is left out).
  const std::string name = xsave_component_name(index);
  for (uint32_t at = 0, piece = 0; at + 8 <= size; at += 64, ++piece) {
    const uint32_t bytes = std::min<uint32_t>(64, (size - at) / 8 * 8);
    field(name, fmt::format("[bytes {}-{}]", at, at + bytes - 1), at, bytes, piece);
  }
  return out;
}

Availability available(const Machine& m) {
  const Binding& b = binding();
  if (b.index < 0)
    return Availability::no(
        "every XCR0 user component the OS enabled has code of its own here (none left for "
        "xsave_other)");
  if (!m.features.osxsave) return Availability::no("OS did not enable XSAVE (CPUID OSXSAVE clear)");
  if (!m.xcr0_has(static_cast<unsigned>(b.index)))
    return Availability::no(fmt::format("XCR0 lacks bit {} ({})", b.index,
                                        xsave_component_name(static_cast<unsigned>(b.index))));
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  return binding().fields;
}

void fill(CpuImage& img, const Machine&, const PatternSource& src, Shape shape) {
  // The XSAVE header: XSTATE_BV says which components XRSTOR loads from memory; the zero shape
  // clears it, so XRSTOR puts the component into its init state (all zeros for index >= 2).
  std::memset(img.xsave_other, 0, 64);
  const uint64_t bv = shape == Shape::kZero ? 0 : sigctx_xsave_other_rfbm;
  std::memcpy(img.xsave_other, &bv, 8);
  fill_structured_fields(img, binding().fields, ComponentId::kXsaveOther, src,
                         shape == Shape::kZero ? Shape::kZero : Shape::kLanes);
}

void init(CpuImage& img) {
  for (const Field& f : binding().fields)
    std::memset(img.bytes() + f.offset, 0, f.size);
}

AsmRoutine loader(const Machine&) {
  return sigctx_xsave_other_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_xsave_other_store;
}

// A component with XFD is enabled per process on request, as Linux does for AMX tile data.
Availability prepare(const Machine& m) {
  const Binding& b = binding();
  if (!b.xfd) return Availability::yes();
  if (!((m.xcomp_supp >> b.index) & 1))
    return Availability::no(
        fmt::format("{} is dynamic (XFD) but ARCH_GET_XCOMP_SUPP does not offer it",
                    xsave_component_name(static_cast<unsigned>(b.index))));
  if (const int err = request_xcomp_permission(static_cast<unsigned>(b.index)))
    return Availability::no(
        fmt::format("arch_prctl(ARCH_REQ_XCOMP_PERM, {}) failed: {}", b.index, std::strerror(err)));
  return Availability::yes();
}

}  // namespace

ComponentDescriptor kXsaveOtherComponent = {
    .id = ComponentId::kXsaveOther,
    .name = "xsave_other",
    // Constant until bound, so the descriptor is constant-initialized like the others.
    .description = "the XCR0 user component without code of its own (unbound)",
    .xsave_index = -1,
    .availability = available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .prepare = prepare,
};

int xsave_other_candidate(const Machine& m) {
  uint64_t covered = 0;
  for (const ComponentDescriptor* c : all_components())
    if (c != &kXsaveOtherComponent && c->xsave_index >= 0) covered |= 1ull << c->xsave_index;
  for (unsigned i = 3; i < 64; ++i)
    if (m.xcr0_has(i) && !((covered >> i) & 1) && fits(m.xsave.component(i)))
      return static_cast<int>(i);
  return -1;
}

bool bind_xsave_other(const Machine& m, int index) {
  Binding& b = binding();
  if (index == -2) index = xsave_other_candidate(m);
  b = Binding{};
  sigctx_xsave_other_rfbm = 0;
  kXsaveOtherComponent.xsave_index = -1;
  kXsaveOtherComponent.init_in_new_process = false;
  bool ok = index < 0;
  // Never x87, SSE or AVX: with RFBM bit 1 or 2, XRSTOR and XSAVE also move MXCSR through the
  // legacy region, which here overlaps other image fields.
  if (index >= 3 && index < 64 && fits(m.xsave.component(static_cast<unsigned>(index)))) {
    const XsaveComponentInfo& c = m.xsave.component(static_cast<unsigned>(index));
    b.index = index;
    b.xfd = c.xfd;
    b.fields = make_fields(static_cast<unsigned>(index), c.offset, c.size);
    b.description = fmt::format(
        "{} (XSAVE component {}, {} bytes at {}), loaded with XRSTOR and read with XSAVE",
        xsave_component_name(static_cast<unsigned>(index)), index, c.size, c.offset);
    sigctx_xsave_other_rfbm = 1ull << index;
    kXsaveOtherComponent.xsave_index = index;
    // Linux keeps dynamic (XFD) state caller-saved across fork, as for AMX tile data.
    kXsaveOtherComponent.init_in_new_process = c.xfd;
    ok = true;
  }
  kXsaveOtherComponent.description = b.description;
  return ok;
}

const std::vector<Field>& bound_xsave_other_fields() {
  return binding().fields;
}

}  // namespace sigctx
