// The storm driver of a zeroing routine (zero_sweep.S): slices of a large buffer, each dirtied,
// zeroed by the routine under test and checked, round and round, with the first bad slice kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "xstate/routines/routine.h"

namespace sigctx {

struct ZeroSweepState {
  const char* target = nullptr;  // the zeroing routine
  uint8_t* base = nullptr;
  uint64_t slice = 0;  // bytes per call: the routine's buffer_bytes
  uint64_t slices = 0;
  uint64_t index = 0;           // the next slice
  int64_t bad = -1;             // the first slice that did not come back zero
  uint8_t* evidence = nullptr;  // a copy of that slice
  uint8_t* cursor = nullptr;    // scratch of the driver
  uint64_t saved[4] = {};       // scratch of the driver
  uint64_t calls = 0;
  uint64_t stride = 0;  // slice rounded up to 64 bytes
};
static_assert(offsetof(ZeroSweepState, calls) == 96);
static_assert(offsetof(ZeroSweepState, stride) == 104);

extern "C" {
extern ZeroSweepState sigctx_zero_sweep_state;
void sigctx_zero_sweep();
}

// Owns the buffer and points the driver at it.
class ZeroSweep {
 public:
  // About `bytes` of buffer in slices of the routine's buffer_bytes.
  ZeroSweep(const DirtyRoutine& k, size_t bytes);
  ~ZeroSweep();
  // Before each run: the first slice next, nothing bad yet.
  void reset();
  int64_t bad_slice() const { return sigctx_zero_sweep_state.bad; }
  uint64_t calls() const { return sigctx_zero_sweep_state.calls; }
  const uint8_t* evidence() const { return evidence_.data(); }
  size_t slice_bytes() const { return slice_; }
  size_t slices() const { return slices_; }

 private:
  size_t slice_ = 0, slices_ = 0;
  uint8_t* buffer_ = nullptr;
  std::vector<uint8_t> evidence_;
};

}  // namespace sigctx
