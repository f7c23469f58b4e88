// gpr: the general-purpose registers. All 15 are loaded with the pattern by the hold driver;
// which ones a transition promises is the transition's business (a raw syscall clobbers rcx
// and r11 and returns in rax). rsp is never loaded with a pattern: it is checked against the
// value the driver recorded just before the transition.
#include <fmt/format.h>

#include "xstate/components/common.h"
#include "xstate/components/components.h"

namespace sigctx {
namespace {

Availability available(const Machine&) {
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  std::vector<Field> out;
  for (unsigned r = 0; r < 16; ++r) {
    Field f;
    f.name = gpr_name(r);
    f.offset = static_cast<uint16_t>(IMG_GPR + 8 * r);
    f.size = 8;
    f.reg = static_cast<uint8_t>(r);
    f.codec = r == kRsp ? Codec::kDerived : Codec::kLane64;
    out.push_back(f);
  }
  return out;
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  fill_structured_fields(img, fields(m), ComponentId::kGpr, src,
                         shape == Shape::kSpecial ? Shape::kLanes : shape);
}

void init(CpuImage& img) {
  for (unsigned r = 0; r < 16; ++r)
    if (r != kRsp) img.gpr[r] = 0;
}

}  // namespace

const char* gpr_name(unsigned index) {
  static const char* const kNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                         "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  return index < 16 ? kNames[index] : "?";
}

const ComponentDescriptor kGprComponent = {
    .id = ComponentId::kGpr,
    .name = "gpr",
    .description = "general-purpose registers rax..r15 (rsp checked, never patterned)",
    .xsave_index = -1,
    .availability = available,
    .fields = fields,
    .loader = nullptr,
    .storer = nullptr,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "r12",
};

}  // namespace sigctx
