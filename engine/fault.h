// Fault injection: the suite's own mutation test. A fault makes the handler behave like a
// broken kernel for one register (or all registers) of one component, so that a user (and the
// test suite) can check that sigctx reports exactly that component, register and class.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "xstate/component.h"
#include "xstate/pattern.h"

namespace sigctx {

enum class FaultKind : uint8_t {
  kLeak,     // the frame (or, for FS/GS base, the register) gets the handler's own value
  kBitflip,  // one patterned bit of the saved value flips
  kZero,     // the saved value becomes zero
  kGuard,    // the handler writes one byte just below the signal stack (altstack guard)
};

struct FaultSpec {
  bool active = false;
  FaultKind kind = FaultKind::kLeak;
  ComponentId component = ComponentId::kGpr;
  int field = -1;             // index into the component's fields(); -1 = every register
  std::string register_name;  // as given, for messages ("" = every register)
  unsigned level = 1;         // nesting level whose delivery misbehaves (2: the nested signal)
  int64_t boundary = -1;  // dirty routines: only at this dynamic boundary (-1: the first injected)
  // The text it was parsed from, for reproduce lines.
  std::string spec;
};

// Breaks one field's saved bytes at `slot` the way `kind` says: leak copies `other` (for a
// field with a mask, only its patterned bits), bitflip flips one patterned bit (narrow patterns
// have even parity, so any one bit leaves every pattern; structured lanes flip a bit of their
// magic and decode as nothing; a canonical address flips bit 44 and stays canonical), zero clears
// it. No allocation: handlers call it.
void apply_fault_to_field(FaultKind kind, const Field& field, uint8_t* slot, const uint8_t* other);

// The bit a bitflip fault flips in a field's first 8 bytes (the reproducers flip the same one).
uint64_t bitflip_bit(const Field& field);

// The same for the register(s) a spec names, in an image: leak takes other's value. For the
// checkers that read state into an image (exec record, ptrace views and writes, core notes).
void apply_fault_to_image(const FaultSpec& f, const Machine& m, CpuImage& img,
                          const CpuImage& other);

// Parses COMPONENT[:REGISTER[:KIND[:LEVEL]]][@BOUNDARY] (e.g. "avx:ymm3", "pkru::zero",
// "sse:*:bitflip", "gpr:rbx:leak:2", "avx:ymm0@17") or "guard". On error returns nullopt and sets
// *error to a message naming what is wrong.
std::optional<FaultSpec> parse_fault_spec(const std::string& text, std::string* error);

}  // namespace sigctx
