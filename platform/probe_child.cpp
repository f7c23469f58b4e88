#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/tied_fork.h"
#include "platform/capability_probes.h"

namespace sigctx {

void on_sigtrap(void (*handler)(int, siginfo_t*, void*)) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGTRAP, &sa, nullptr);
}

ProbeChildEnd run_probe_child(const std::function<Capability()>& fn, int timeout_ms) {
  ProbeChildEnd end;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    end.how_ended = fmt::format("pipe2: {}", std::strerror(errno));
    return end;
  }
  fflush(stdout);
  fflush(stderr);
  const pid_t pid = fork_tied_to_parent();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    end.how_ended = fmt::format("fork: {}", std::strerror(errno));
    return end;
  }
  if (pid == 0) {
    close(fds[0]);
    const Capability c = fn();
    // One byte of state, then the detail.
    const std::string msg = std::string(1, static_cast<char>(c.state)) + c.detail;
    for (size_t off = 0; off < msg.size();) {
      const ssize_t n = write(fds[1], msg.data() + off, msg.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  int status = 0;
  bool hung = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      hung = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  if (hung) {
    end.how_ended = fmt::format("hung for {} ms", timeout_ms);
  } else if (WIFSIGNALED(status)) {
    end.signal = WTERMSIG(status);
    const char* name = sigabbrev_np(end.signal);
    end.how_ended = fmt::format("killed by SIG{}", name ? name : std::to_string(end.signal));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    end.how_ended = fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  if (!msg.empty() && end.how_ended.empty() &&
      msg[0] <= static_cast<char>(CapabilityState::kRefused)) {
    end.answered = true;
    end.answer = {static_cast<CapabilityState>(msg[0]), msg.substr(1)};
  } else if (end.how_ended.empty()) {
    end.how_ended = "ended without an answer";
  }
  return end;
}

}  // namespace sigctx
