// How a transition reaches an exact instruction boundary of a dirty routine, and what happens
// there. A boundary is dynamic: boundary k is the point just before the k-th instruction the
// kernel executes (loops included), counted from 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sigctx {

enum class Injector : uint8_t {
  kStep,   // RFLAGS.TF: a SIGTRAP at every boundary (exhaustive)
  kHwbp,   // perf_event_open execution breakpoint with sigtrap=1: one chosen boundary
  kInt3,   // an int3 patched into a writable copy of the kernel: first executions only
  kAsync,  // signal storms from a sibling thread, a POSIX timer and a task-clock event
};
const char* injector_name(Injector i);
std::optional<Injector> parse_injector(const std::string& name);

// What happens at an injected boundary.
enum class HandlerAction : uint8_t {
  kNone,         // count only (the bare stepping cost)
  kClobber,      // the SIGTRAP handler loads its own pattern into every component
  kNested,       // ... and raises a second signal, blocked until sigreturn, which lands at the
                 // same boundary and clobbers again
  kEdit,         // the handler edits a register the kernel never touches; the next boundary
                 // checks the edit took effect and puts the old value back
  kRecordFrame,  // the frame is recorded (reference run, nothing clobbered)
  kCheckFrame,   // the frame must equal the recorded one; then clobber
  kYield,        // the handler calls sched_yield, so another thread on the CPU runs; then
                 // clobber (switch/step-yield)
};
const char* handler_action_name(HandlerAction t);

// Which dynamic boundaries get the transition.
struct BoundarySelection {
  int64_t at = -1;  // exactly this one; -1 = the range below
  uint64_t lo = 0;  // [lo, hi), every stride-th from lo
  uint64_t hi = UINT64_MAX;
  uint64_t stride = 1;
  bool selects(uint64_t d) const {
    if (at >= 0) return d == static_cast<uint64_t>(at);
    return d >= lo && d < hi && (d - lo) % stride == 0;
  }
};

// What the user asked on the command line (--injector, --at, --stride); unset = the case's own.
struct InjectionOverrides {
  std::optional<Injector> injector;
  int64_t at = -1;
  uint64_t stride = 1;
  bool any() const { return injector.has_value() || at >= 0 || stride > 1; }
};

}  // namespace sigctx
