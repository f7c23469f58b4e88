// Classification of a wrong value: where did it come from?
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "xstate/component.h"

namespace sigctx {

enum class DiffClass : uint8_t {
  kZeroed,     // all zero bits (the init value of most components)
  kInit,       // the component's non-zero init value (FCW 0x37f, MXCSR 0x1f80)
  kHandler,    // a signal handler's pattern (or a frame edit) leaked in
  kForeign,    // another thread's, process's or run's pattern
  kStale,      // an earlier value of the same register: an older generation, or the value a
               // frame edit should have replaced
  kMisplaced,  // the right pattern, but from another register or lane (a shifted frame)
  kBitflip,    // at most three bits differ from the expected value
  kUnknown,
};
const char* diff_class_name(DiffClass c);
bool parse_diff_class(std::string_view name, DiffClass* out);

// A pattern source that may appear in a case, with the shape it was filled with: narrow
// registers (MXCSR, FCW, PKRU, RFLAGS) are decoded by trying each.
struct KnownSource {
  PatternSource source;
  Shape shape = Shape::kLanes;
};

struct ClassifyContext {
  const Machine* machine = nullptr;
  KnownSource expected;            // who wrote the expected values
  std::vector<KnownSource> known;  // every source used in the case (expected included)
  // When the expected values are a frame edit, the interrupted code's values are "stale".
  bool expected_is_edit() const { return expected.source.role == kRoleEdit; }
  // Who wrote the kRoleEdit values, and what a stale value then means: a handler's frame edit,
  // or a tracer's SETREGS/SETREGSET.
  std::string edit_writer = "the frame edit";
  std::string edit_not_taken = "the value the frame edit should have replaced";
  // The thread's own TLS base (FS base before the case loaded its pattern), which an FS base
  // falls back to when a pattern is lost; 0: unknown. diff_images takes it from the image.
  uint64_t thread_fsbase = 0;
};

struct Classification {
  DiffClass cls = DiffClass::kUnknown;
  std::string source;  // human description of where the actual value came from, may be empty
};

// Classifies one lane of a field. expected/actual point at the lane's bytes (lane_bytes long).
Classification classify_lane(const ComponentDescriptor& comp, const Field& field, unsigned lane,
                             std::span<const uint8_t> expected, std::span<const uint8_t> actual,
                             const ClassifyContext& ctx);

}  // namespace sigctx
