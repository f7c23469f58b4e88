// zmm_hi256: upper 256 bits of ZMM0-15
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_zmm_hi256_load(sigctx::CpuImage*);
extern "C" void sigctx_zmm_hi256_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

std::vector<Field> fields(const Machine&) {
  return vector_fields("zmm", 0, 16, 32, 64, 0, 32);
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  fill_structured_fields(img, fields(m), ComponentId::kZmmHi256, src,
                         shape == Shape::kZero ? Shape::kZero : Shape::kLanes);
}

void init(CpuImage& img) {
  for (unsigned n = 0; n < 0 + 16; ++n)
    std::memset(img.zmm[n] + 32, 0, 64 - 32);
}

AsmRoutine loader(const Machine&) {
  return sigctx_zmm_hi256_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_zmm_hi256_store;
}

}  // namespace

const ComponentDescriptor kZmmHi256Component = {
    .id = ComponentId::kZmmHi256,
    .name = "zmm_hi256",
    .description = "upper 256 bits of ZMM0-15",
    .xsave_index = 6,
    .availability = avx512_state_available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "zmm9",
};

}  // namespace sigctx
