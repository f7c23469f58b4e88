// The signal frame's ABI, checked against the CPU and the kernel's own promises: magic1 and
// magic2, the sizes, xfeatures against XCR0 and the task's permissions, XSTATE_BV against what
// the interrupted code held, XCOMP_BV and the reserved header bytes, and the interrupted rip.
#pragma once

#include <vector>

#include "engine/frame.h"
#include "model/case_result.h"
#include "probes/machine.h"

namespace sigctx {

struct FrameExpectations {
  uint64_t rip = 0;                  // interrupted rip, 0 = not checked
  ComponentMask held = 0;            // components the interrupted code had loaded
  const CpuImage* values = nullptr;  // and their values
};

// The xfeatures a Linux frame must declare: every XCR0 feature the task may use. Dynamic
// features (XFD: AMX tile data) count only once the task has permission for them.
uint64_t expected_frame_xfeatures(const Machine& m);

std::vector<Finding> check_frame_abi(const SignalFrame& f, const Machine& m,
                                     const FrameExpectations& e);

}  // namespace sigctx
