#include "engine/hwbp.h"

#include <fcntl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

namespace sigctx {

namespace {

perf_event_attr breakpoint_attr(uint64_t address, bool sigtrap) {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.type = PERF_TYPE_BREAKPOINT;
  attr.size = sizeof(attr);
  attr.bp_type = HW_BREAKPOINT_X;
  attr.bp_addr = address;
  attr.bp_len = sizeof(long);
  attr.sample_period = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  attr.remove_on_exec = 1;
  attr.sigtrap = sigtrap;
  attr.wakeup_events = 1;
  return attr;
}

int open_event(perf_event_attr* attr) {
  return static_cast<int>(
      syscall(SYS_perf_event_open, attr, 0 /* this thread */, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

std::unique_ptr<HardwareBreakpoint> HardwareBreakpoint::arm(uint64_t address, std::string* error,
                                                            bool force_fsetsig) {
  if (!force_fsetsig) {
    perf_event_attr attr = breakpoint_attr(address, true);
    const int fd = open_event(&attr);
    if (fd >= 0) return std::unique_ptr<HardwareBreakpoint>(new HardwareBreakpoint(fd));
    if (errno != EINVAL) {
      *error = fmt::format("perf_event_open (breakpoint, sigtrap): {}", std::strerror(errno));
      return nullptr;
    }
  }
  // Fallback for kernels without sigtrap: the overflow signal, routed to this thread.
  perf_event_attr attr = breakpoint_attr(address, false);
  const int fd = open_event(&attr);
  if (fd < 0) {
    *error = fmt::format("perf_event_open (breakpoint): {}", std::strerror(errno));
    return nullptr;
  }
  f_owner_ex owner{F_OWNER_TID, static_cast<pid_t>(syscall(SYS_gettid))};
  if (fcntl(fd, F_SETOWN_EX, &owner) != 0 || fcntl(fd, F_SETSIG, SIGTRAP) != 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC) != 0) {
    *error = fmt::format("routing the breakpoint's signal: {}", std::strerror(errno));
    close(fd);
    return nullptr;
  }
  return std::unique_ptr<HardwareBreakpoint>(new HardwareBreakpoint(fd));
}

HardwareBreakpoint::~HardwareBreakpoint() {
  close(fd_);
}

bool hardware_breakpoints_usable(std::string* why) {
  static const std::string reason = [] {
    static volatile int probe = 0;
    std::string error;
    auto bp = HardwareBreakpoint::arm(reinterpret_cast<uint64_t>(&probe), &error);
    return bp ? std::string() : error;
  }();
  if (why) *why = reason;
  return reason.empty();
}

}  // namespace sigctx
