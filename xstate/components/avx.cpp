// avx: upper 128 bits of YMM0-15
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_avx_load(sigctx::CpuImage*);
extern "C" void sigctx_avx_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

Availability available(const Machine& m) {
  if (!m.features.avx) return Availability::no("CPU lacks AVX");
  if (!m.features.osxsave) return Availability::no("OS did not enable XSAVE (CPUID OSXSAVE clear)");
  if ((m.xcr0 & 0x6) != 0x6)
    return Availability::no("XCR0 lacks bit 2 (OS did not enable AVX state)");
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  return vector_fields("ymm", 0, 16, 16, 32, 0, 16);
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  fill_structured_fields(img, fields(m), ComponentId::kAvx, src,
                         shape == Shape::kZero ? Shape::kZero : Shape::kLanes);
}

void init(CpuImage& img) {
  for (unsigned n = 0; n < 0 + 16; ++n)
    std::memset(img.zmm[n] + 16, 0, 32 - 16);
}

AsmRoutine loader(const Machine&) {
  return sigctx_avx_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_avx_store;
}

}  // namespace

const ComponentDescriptor kAvxComponent = {
    .id = ComponentId::kAvx,
    .name = "avx",
    .description = "upper 128 bits of YMM0-15",
    .xsave_index = 2,
    .availability = available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "ymm13",
};

}  // namespace sigctx
