// sse: XMM0-15
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_sse_load(sigctx::CpuImage*);
extern "C" void sigctx_sse_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

Availability available(const Machine&) {
  return Availability::yes();
}  // x86-64 baseline

std::vector<Field> fields(const Machine&) {
  return vector_fields("xmm", 0, 16, 0, 16, 160, 16);
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  fill_structured_fields(img, fields(m), ComponentId::kSse, src,
                         shape == Shape::kZero ? Shape::kZero : Shape::kLanes);
}

void init(CpuImage& img) {
  for (unsigned n = 0; n < 0 + 16; ++n)
    std::memset(img.zmm[n] + 0, 0, 16 - 0);
}

AsmRoutine loader(const Machine&) {
  return sigctx_sse_load;
}
AsmRoutine storer(const Machine&) {
  return sigctx_sse_store;
}

}  // namespace

const ComponentDescriptor kSseComponent = {
    .id = ComponentId::kSse,
    .name = "sse",
    .description = "XMM0-15",
    .xsave_index = 1,
    .availability = available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "xmm11",
};

}  // namespace sigctx
