#include "xstate/routines/zero_sweep.h"

#include <cstdlib>
#include <cstring>

namespace sigctx {

ZeroSweep::ZeroSweep(const DirtyRoutine& k, size_t bytes)
    : slice_(k.buffer_bytes), slices_(bytes / ((k.buffer_bytes + 63) & ~size_t{63})) {
  // Slices stay 64-byte aligned: the routines' aligned stores need 16.
  const size_t stride = (slice_ + 63) & ~size_t{63};
  buffer_ = static_cast<uint8_t*>(std::aligned_alloc(64, (stride * slices_ + 63) & ~size_t{63}));
  // Faulted in now, so that the storm's calibration run times the routine, not page faults.
  std::memset(buffer_, 0xa5, stride * slices_);
  evidence_.assign(slice_, 0);
  ZeroSweepState& s = sigctx_zero_sweep_state;
  s = ZeroSweepState();
  s.target = k.entry;
  s.base = buffer_;
  s.slice = slice_;
  s.slices = slices_;
  s.stride = stride;
  s.evidence = evidence_.data();
  reset();
}

ZeroSweep::~ZeroSweep() {
  sigctx_zero_sweep_state = ZeroSweepState();
  std::free(buffer_);
}

void ZeroSweep::reset() {
  ZeroSweepState& s = sigctx_zero_sweep_state;
  s.index = 0;
  s.bad = -1;
  s.calls = 0;
}

}  // namespace sigctx
