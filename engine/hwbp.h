// An execution breakpoint on one address of this thread, through perf_event_open: with
// sigtrap=1 (Linux 5.13+) the kernel delivers SIGTRAP synchronously at the instruction, before
// it runs, and sets RF so that returning does not trap again. Where sigtrap is refused, the
// event's overflow signal is routed to this thread as SIGTRAP with F_SETOWN_EX/F_SETSIG.
// Unprivileged (exclude_kernel), at most 4 per thread (the debug registers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace sigctx {

class HardwareBreakpoint {
 public:
  // Arms a breakpoint at address. On failure returns null with *error naming why.
  static std::unique_ptr<HardwareBreakpoint> arm(uint64_t address, std::string* error,
                                                 bool force_fsetsig = false);
  ~HardwareBreakpoint();
  HardwareBreakpoint(const HardwareBreakpoint&) = delete;
  HardwareBreakpoint& operator=(const HardwareBreakpoint&) = delete;

 private:
  explicit HardwareBreakpoint(int fd) : fd_(fd) {}
  int fd_;
};

// Whether breakpoints can be armed here at all (perf_event_paranoid, seccomp, no PMU access);
// the reason when not.
bool hardware_breakpoints_usable(std::string* why);

}  // namespace sigctx
