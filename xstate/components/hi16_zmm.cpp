// hi16_zmm: ZMM16-31
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_hi16_zmm_load(sigctx::CpuImage*);
extern "C" void sigctx_hi16_zmm_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

std::vector<Field> fields(const Machine&) {
  return vector_fields("zmm", 16, 16, 0, 64, 0, 64);
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  fill_structured_fields(img, fields(m), ComponentId::kHi16Zmm, src,
                         shape == Shape::kZero ? Shape::kZero : Shape::kLanes);
}

void init(CpuImage& img) {
  for (unsigned n = 16; n < 16 + 16; ++n)
    std::memset(img.zmm[n] + 0, 0, 64 - 0);
}

AsmRoutine loader(const Machine&) {
  return sigctx_hi16_zmm_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_hi16_zmm_store;
}

}  // namespace

const ComponentDescriptor kHi16ZmmComponent = {
    .id = ComponentId::kHi16Zmm,
    .name = "hi16_zmm",
    .description = "ZMM16-31",
    .xsave_index = 7,
    .availability = avx512_state_available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "zmm29",
};

}  // namespace sigctx
