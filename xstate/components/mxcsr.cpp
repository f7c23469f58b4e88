// mxcsr: the SSE control and status register. XSAVE keeps it in the legacy region (offset 24)
// and saves it with either the SSE or the AVX component, so its XSTATE_BV bit is SSE's.
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_mxcsr_load(sigctx::CpuImage*);
extern "C" void sigctx_mxcsr_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

constexpr uint32_t kInit = 0x1f80;
constexpr uint32_t kMasks = 0x1f80;  // all six exception masks: a pattern never makes SSE trap
constexpr uint32_t kDaz = 1 << 6;

// Flags 0-5, RC 13-14, FTZ 15, and DAZ where MXCSR_MASK allows it (a reserved bit raises #GP).
uint32_t free_bits(const Machine& m) {
  uint32_t bits = 0x3f | 0x6000 | 0x8000;
  if (m.mxcsr_mask & kDaz) bits |= kDaz;
  return bits;
}

Availability available(const Machine&) {
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  Field f;
  f.name = "mxcsr";
  f.offset = IMG_MXCSR;
  f.size = 4;
  f.lane_bytes = 4;
  f.codec = Codec::kNarrow;
  f.pattern_bits = 0x3f | 0x6000 | 0x8000;  // DAZ left out: not every CPU has it
  f.xsave_offset = 24;
  f.xsave_size = 4;
  return {f};
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  switch (shape) {
    case Shape::kLanes:
      // Never the special shape's value: mxcsr-special's interrupted code and its lanes-shaped
      // handler must differ under every seed (seed 0x79820f1a once made them collide).
      img.mxcsr = static_cast<uint32_t>(
          narrow_value(src, 0x5e, free_bits(m), kMasks, {kInit, free_bits(m) | kMasks}));
      break;
    case Shape::kZero:
      img.mxcsr = kInit;
      break;
    case Shape::kSpecial:  // every flag, FTZ, DAZ, round toward zero
      img.mxcsr = free_bits(m) | kMasks;
      break;
  }
}

void init(CpuImage& img) {
  img.mxcsr = kInit;
}

AsmRoutine loader(const Machine&) {
  return sigctx_mxcsr_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_mxcsr_store;
}

}  // namespace

const ComponentDescriptor kMxcsrComponent = {
    .id = ComponentId::kMxcsr,
    .name = "mxcsr",
    .description = "MXCSR (saved in the legacy region with the SSE component)",
    .xsave_index = 1,
    .availability = available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .xstate_bv_governs = false,
    .representative_register = "mxcsr",
};

}  // namespace sigctx
