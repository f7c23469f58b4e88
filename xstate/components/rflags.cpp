// rflags: the arithmetic flags, DF and AC. Loaded with POPFQ by the hold driver just before
// the GPRs, stored with PUSHFQ first thing after the transition. TF, IF, ID and the rest are
// not patterned: TF would trap, IF cannot change at CPL 3, and Linux's sigreturn takes ID from
// the handler rather than the frame, so no platform promises it.
#include "xstate/components/common.h"
#include "xstate/components/components.h"

namespace sigctx {
namespace {

constexpr uint64_t kCF = 1 << 0, kPF = 1 << 2, kAF = 1 << 4, kZF = 1 << 6, kSF = 1 << 7,
                   kDF = 1 << 10, kOF = 1 << 11, kAC = 1 << 18;
constexpr uint64_t kPatterned = kCF | kPF | kAF | kZF | kSF | kDF | kOF | kAC;
constexpr uint64_t kFixed = 0x202;  // reserved bit 1 and IF

Availability available(const Machine&) {
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  Field f;
  f.name = "rflags";
  f.offset = IMG_RFLAGS;
  f.size = 8;
  f.mask = kPatterned;
  f.pattern_bits = kPatterned;
  f.codec = Codec::kNarrow;
  return {f};
}

void fill(CpuImage& img, const Machine&, const PatternSource& src, Shape shape) {
  switch (shape) {
    case Shape::kLanes:
      // Never the special shape's value, which another role may hold.
      img.rflags = narrow_value(src, 0x7f, kPatterned, kFixed, {kFixed, kPatterned | kFixed});
      break;
    case Shape::kZero:
      img.rflags = kFixed;
      break;
    case Shape::kSpecial:
      img.rflags = kPatterned | kFixed;
      break;
  }
}

void init(CpuImage& img) {
  img.rflags = kFixed;
}

}  // namespace

const ComponentDescriptor kRflagsComponent = {
    .id = ComponentId::kRflags,
    .name = "rflags",
    .description = "RFLAGS arithmetic flags, DF and AC",
    .xsave_index = -1,
    .availability = available,
    .fields = fields,
    .loader = nullptr,
    .storer = nullptr,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .representative_register = "rflags",
};

}  // namespace sigctx
