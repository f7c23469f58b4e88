// Do execute breakpoints fire? Some hypervisors accept the debug registers and never let them
// fire (a nested hypervisor measured for issue 21: perf and ptrace both said yes, neither ever
// stopped anything). Debug registers are thread state every debugger relies on, so that is a
// deviation (platform/debug-registers); the hwbp cases skip on it and ptrace falls back.
#include <fcntl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "base/tied_fork.h"
#include "engine/hwbp.h"
#include "engine/ptrace_views.h"
#include "platform/capability_probes.h"

namespace sigctx {

namespace {

constexpr int kCalls = 3;
constexpr int kProbeTimeoutMs = 5000;

// What the breakpoints are set on: a real function, called kCalls times.
__attribute__((noinline)) void breakpoint_target() {
  asm volatile("" ::: "memory");
}
void (*volatile g_target)() = breakpoint_target;
uint64_t target_address() {
  return reinterpret_cast<uint64_t>(g_target);
}

volatile sig_atomic_t g_sigtraps = 0;
void count_sigtrap(int, siginfo_t*, void*) {
  g_sigtraps = g_sigtraps + 1;
}

// Counting mode: no signal, only the event's count, read back.
Capability perf_counts() {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.type = PERF_TYPE_BREAKPOINT;
  attr.size = sizeof(attr);
  attr.bp_type = HW_BREAKPOINT_X;
  attr.bp_addr = target_address();
  attr.bp_len = sizeof(long);
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const int fd =
      static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
  if (fd < 0)
    return Capability::refused_because(
        fmt::format("perf_event_open (execute breakpoint): {}", std::strerror(errno)));
  for (int i = 0; i < kCalls; ++i)
    g_target();
  uint64_t count = 0;
  const ssize_t n = read(fd, &count, sizeof(count));
  close(fd);
  if (n != sizeof(count))
    return Capability::unprobed_because("reading the breakpoint's count failed");
  if (count == 0)
    return Capability::broken_because(fmt::format(
        "a perf_event_open execute breakpoint was accepted and counted 0 of {} calls", kCalls));
  return Capability::works_because(
      fmt::format("a perf_event_open execute breakpoint counted {} of {} calls", count, kCalls));
}

Capability perf_sends_sigtrap() {
  on_sigtrap(count_sigtrap);
  std::string error;
  auto bp = HardwareBreakpoint::arm(target_address(), &error);
  if (!bp) return Capability::refused_because(error);
  g_sigtraps = 0;
  for (int i = 0; i < kCalls; ++i)
    g_target();
  bp.reset();
  if (g_sigtraps == 0)
    return Capability::broken_because(fmt::format(
        "an armed perf_event_open execute breakpoint sent no SIGTRAP in {} calls", kCalls));
  return Capability::works_because(fmt::format("{} SIGTRAPs", static_cast<int>(g_sigtraps)));
}

}  // namespace

Capability probe_perf_breakpoint() {
  const ProbeChildEnd end = run_probe_child(
      [] {
        const Capability counting = perf_counts();
        if (!counting.works()) return counting;
        const Capability signalling = perf_sends_sigtrap();
        if (!signalling.works()) return signalling;
        return Capability::works_because(counting.detail + " and sent " + signalling.detail);
      },
      kProbeTimeoutMs);
  if (end.answered) return end.answer;
  return Capability::broken_because(
      fmt::format("with an execute breakpoint armed the probe {}", end.how_ended));
}

namespace {

// A forked child that asks to be traced, stops itself, then calls the target kCalls times and
// exits: what both ptrace probes trace. It is killed and reaped when the probe is done, and every
// wait is bounded: a tracee that neither stops nor ends is no answer.
class ProbeTracee {
 public:
  ProbeTracee() : pid_(fork_tied_to_parent()) {
    if (pid_ != 0) return;
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(3);
    raise(SIGSTOP);
    for (int i = 0; i < kCalls; ++i)
      g_target();
    _exit(0);
  }
  ~ProbeTracee() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, __WALL) < 0 && errno == EINTR) {
    }
  }
  ProbeTracee(const ProbeTracee&) = delete;
  ProbeTracee& operator=(const ProbeTracee&) = delete;

  pid_t pid() const { return pid_; }
  int status() const { return status_; }
  // Waits for the next stop or end: "" once it came, or how the tracee hung.
  std::string wait(const char* after) {
    for (int waited = 0; waitpid(pid_, &status_, WNOHANG | __WALL) != pid_; ++waited) {
      if (waited > kProbeTimeoutMs) return fmt::format("the tracee hung after {}", after);
      usleep(1000);
    }
    return "";
  }
  // Why it cannot be traced at all, or nothing once it stopped for its tracer.
  std::optional<Capability> untraceable() {
    if (pid_ < 0)
      return Capability::unprobed_because(fmt::format("fork: {}", std::strerror(errno)));
    if (!wait("its SIGSTOP").empty())
      return Capability::unprobed_because("the tracee did not stop for its tracer");
    if (WIFEXITED(status_) && WEXITSTATUS(status_) == 3)
      return Capability::refused_because("PTRACE_TRACEME was refused");
    if (!WIFSTOPPED(status_))
      return Capability::unprobed_because("the tracee did not stop for its tracer");
    return std::nullopt;
  }
  // Where it stopped, for a report.
  uint64_t rip() const {
    uint64_t at = 0;
    std::string why;
    read_rip(pid_, &at, &why);
    return at;
  }

 private:
  pid_t pid_;
  int status_ = 0;
};

std::string describe_end(int status) {
  return WIFEXITED(status)     ? fmt::format("ran to its exit (status {})", WEXITSTATUS(status))
         : WIFSIGNALED(status) ? fmt::format("was killed by signal {}", WTERMSIG(status))
                               : fmt::format("stopped with signal {}", WSTOPSIG(status));
}

}  // namespace

Capability probe_ptrace_breakpoint() {
  ProbeTracee tracee;
  if (auto problem = tracee.untraceable()) return *problem;
  std::string why;
  const uint64_t target = target_address();
  if (!set_exec_breakpoint(tracee.pid(), target, &why)) return Capability::refused_because(why);
  if (ptrace(PTRACE_CONT, tracee.pid(), nullptr, nullptr) != 0)
    return Capability::unprobed_because("PTRACE_CONT failed");
  // The tracee either stops at the breakpoint or runs to its end at once.
  if (const std::string hung = tracee.wait("PTRACE_CONT"); !hung.empty())
    return Capability::unprobed_because(hung);
  const int status = tracee.status();
  if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP) {
    const uint64_t rip = tracee.rip();
    if (rip == target)
      return Capability::works_because(fmt::format(
          "a DR0/DR7 execute breakpoint set with PTRACE_POKEUSER stopped the tracee at {:#x}",
          target));
    return Capability::broken_because(fmt::format(
        "a DR0/DR7 execute breakpoint at {:#x} stopped the tracee at {:#x}", target, rip));
  }
  return Capability::broken_because(
      fmt::format("PTRACE_POKEUSER accepted a DR0/DR7 execute breakpoint at the tracee's "
                  "function, and the tracee called it and {} without stopping",
                  describe_end(status)));
}

Capability probe_ptrace_singlestep() {
  ProbeTracee tracee;
  if (auto problem = tracee.untraceable()) return *problem;
  constexpr int kSteps = 20;
  for (int i = 0; i < kSteps; ++i) {
    if (ptrace(PTRACE_SINGLESTEP, tracee.pid(), nullptr, nullptr) != 0)
      return Capability::refused_because(
          fmt::format("PTRACE_SINGLESTEP: {}", std::strerror(errno)));
    if (const std::string hung = tracee.wait("a single step"); !hung.empty())
      return Capability::broken_because(hung);
    if (!WIFSTOPPED(tracee.status()) || WSTOPSIG(tracee.status()) != SIGTRAP)
      return Capability::broken_because(
          fmt::format("after {} single steps the tracee {} instead of stopping with SIGTRAP", i,
                      describe_end(tracee.status())));
  }
  if (ptrace(PTRACE_CONT, tracee.pid(), nullptr, nullptr) != 0)
    return Capability::unprobed_because("PTRACE_CONT failed");
  if (const std::string hung = tracee.wait("PTRACE_CONT"); !hung.empty())
    return Capability::broken_because(hung);
  const int status = tracee.status();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return Capability::works_because(fmt::format(
        "{} PTRACE_SINGLESTEP stops, then PTRACE_CONT ran the tracee to its exit", kSteps));
  return Capability::broken_because(fmt::format(
      "after {} PTRACE_SINGLESTEP stops, PTRACE_CONT did not let the tracee run on: it {} at "
      "{:#x}, as if still single-stepping",
      kSteps, describe_end(status), tracee.rip()));
}

}  // namespace sigctx
