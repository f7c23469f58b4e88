// opmask: k0-k7, 64 bits each where AVX512BW provides KMOVQ, 16 bits (KMOVW) otherwise.
#include "xstate/components/common.h"
#include "xstate/components/components.h"

#include <fmt/format.h>

extern "C" void sigctx_opmask_load_q(sigctx::CpuImage*);
extern "C" void sigctx_opmask_store_q(sigctx::CpuImage*);
extern "C" void sigctx_opmask_load_w(sigctx::CpuImage*);
extern "C" void sigctx_opmask_store_w(sigctx::CpuImage*);

namespace sigctx {
namespace {

bool wide(const Machine& m) {
  return m.features.avx512bw;
}

std::vector<Field> fields(const Machine& m) {
  std::vector<Field> out;
  for (unsigned k = 0; k < 8; ++k) {
    Field f;
    f.name = fmt::format("k{}", k);
    f.offset = static_cast<uint16_t>(IMG_OPMASK + 8 * k);
    f.size = wide(m) ? 8 : 2;
    f.lane_bytes = f.size;
    f.reg = static_cast<uint8_t>(k);
    f.codec = wide(m) ? Codec::kLane64 : Codec::kNarrow;
    if (!wide(m)) f.pattern_bits = 0xffff;
    f.xsave_offset = static_cast<int>(8 * k);
    f.xsave_size = 8;
    out.push_back(f);
  }
  return out;
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  for (unsigned k = 0; k < 8; ++k) {
    uint64_t v = 0;
    if (shape != Shape::kZero)
      v = wide(m) ? encode_lane(src, ComponentId::kOpmask, k, 0)
                  : narrow_value(src, 0x40 + k, 0xffff, 0, {0});
    img.opmask[k] = v;
  }
}

void init(CpuImage& img) {
  for (auto& k : img.opmask)
    k = 0;
}

AsmRoutine loader(const Machine& m) {
  return wide(m) ? sigctx_opmask_load_q : sigctx_opmask_load_w;
}
AsmRoutine storer(const Machine& m) {
  return wide(m) ? sigctx_opmask_store_q : sigctx_opmask_store_w;
}

}  // namespace

const ComponentDescriptor kOpmaskComponent = {
    .id = ComponentId::kOpmask,
    .name = "opmask",
    .description = "AVX-512 opmask registers k0-k7",
    .xsave_index = 5,
    .availability = avx512_state_available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "k6",
};

}  // namespace sigctx
