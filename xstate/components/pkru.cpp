// pkru: the protection-key rights register. Patterns keep key 0 (bits 0-1) fully accessible:
// every page sigctx touches, the signal stack included, carries key 0, and PKRU also governs
// the kernel's own writes of the signal frame.
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_pkru_load(sigctx::CpuImage*);
extern "C" void sigctx_pkru_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

Availability available(const Machine& m) {
  if (!m.features.pku) return Availability::no("CPU lacks PKU");
  if (!m.features.ospke) return Availability::no("OS did not enable protection keys (OSPKE clear)");
  if (!m.xcr0_has(9)) return Availability::no("XCR0 lacks bit 9 (PKRU state)");
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  Field f;
  f.name = "pkru";
  f.offset = IMG_PKRU;
  f.size = 4;
  f.lane_bytes = 4;
  f.codec = Codec::kNarrow;
  f.pattern_bits = 0xfffffffc;
  f.xsave_offset = 0;
  f.xsave_size = 4;
  return {f};
}

void fill(CpuImage& img, const Machine&, const PatternSource& src, Shape shape) {
  switch (shape) {
    case Shape::kLanes:
      // Never the special shape's value, which another role may hold.
      img.pkru = static_cast<uint32_t>(narrow_value(src, 0x9, 0xfffffffc, 0, {0, 0xfffffffc}));
      break;
    case Shape::kZero:
      img.pkru = 0;
      break;
    case Shape::kSpecial:  // every key but 0 access- and write-disabled
      img.pkru = 0xfffffffc;
      break;
  }
}

void init(CpuImage& img) {
  img.pkru = 0;
}

AsmRoutine loader(const Machine&) {
  return sigctx_pkru_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_pkru_store;
}

}  // namespace

// What Linux gives a new task, and loads when PKRU's XSAVE component is in its init state in a
// signal frame it restores (init_pkru_value): keys 1-15 access-disabled.
constexpr DefaultValue kLinuxDefaultPkru[] = {
    {0x55555554, "Linux's default PKRU (init_pkru_value: keys 1-15 access-disabled)"}};

const ComponentDescriptor kPkruComponent = {
    .id = ComponentId::kPkru,
    .name = "pkru",
    .description = "PKRU protection-key rights",
    .xsave_index = 9,
    .availability = available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "pkru",
    .defaults = kLinuxDefaultPkru,
};

}  // namespace sigctx
