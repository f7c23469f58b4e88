#include "runners/vm/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "base/tied_fork.h"

namespace sigctx {

ChildOutcome run_child_process(const std::vector<std::string>& argv, double timeout_s,
                               const std::function<void(std::string_view)>& on_output,
                               const std::string& cwd, const std::function<bool()>& stop_early,
                               int fd3) {
  ChildOutcome o;
  int pipe_fds[2] = {-1, -1};
  if (on_output && pipe2(pipe_fds, O_CLOEXEC) != 0) {
    o.error = fmt::format("pipe: {}", std::strerror(errno));
    return o;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    o.error = fmt::format("fork: {}", std::strerror(errno));
    return o;
  }
  if (pid == 0) {
    setpgid(0, 0);
    // The emulator dies with sigctx, even by a SIGKILL no handler sees: a bochs guest once
    // outlived its host by an hour. The setting survives exec.
    if (!tie_to_parent(parent)) _exit(125);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(on_output ? pipe_fds[1] : null, 1);
    dup2(on_output ? pipe_fds[1] : null, 2);
    // dup2 clears close-on-exec on the copy; a descriptor that is 3 already keeps its flag.
    if (fd3 == 3)
      fcntl(3, F_SETFD, 0);
    else if (fd3 >= 0)
      dup2(fd3, 3);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const std::string msg = fmt::format("cannot run {}: {}\n", argv[0], std::strerror(errno));
    (void)!write(2, msg.data(), msg.size());
    _exit(127);
  }
  setpgid(pid, pid);
  o.started = true;
  if (on_output) close(pipe_fds[1]);
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  bool open_pipe = static_cast<bool>(on_output);
  int status = 0;
  bool reaped = false;
  double next_check = 1;
  while (!reaped) {
    if (stop_early && elapsed() > next_check) {
      next_check = elapsed() + 1;
      if (stop_early()) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
    }
    if (timeout_s > 0 && elapsed() > timeout_s) {
      kill(-pid, SIGKILL);
      o.timed_out = true;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      reaped = true;
      break;
    }
    if (open_pipe) {
      pollfd p{pipe_fds[0], POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        char buf[1 << 15];
        const ssize_t n = read(pipe_fds[0], buf, sizeof(buf));
        if (n > 0)
          on_output(std::string_view(buf, static_cast<size_t>(n)));
        else if (n == 0 || errno != EINTR)
          open_pipe = false;
      }
    } else {
      usleep(20000);
    }
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) reaped = true;
  }
  kill(-pid, SIGKILL);  // anything the child left behind in its group, which could hold the pipe
  if (open_pipe) {      // what the child wrote before it ended
    char buf[1 << 15];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof(buf))) > 0;)
      on_output(std::string_view(buf, static_cast<size_t>(n)));
  }
  if (on_output) close(pipe_fds[0]);
  o.seconds = elapsed();
  if (!o.timed_out) {
    if (WIFEXITED(status)) o.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  }
  return o;
}

std::string find_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace sigctx
