#include "runners/executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <system_error>

#include "base/resource_limits.h"
#include "base/tied_fork.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  size_t index = 0;
  pid_t pid = -1;
  int result_fd = -1;
  int output_fd = -1;
  std::string result_text;
  std::string output;
  bool output_truncated = false;
  Clock::time_point started;
  Clock::time_point deadline;
  bool timed_out = false;
};

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    off += static_cast<size_t>(n);
  }
}

// In the child: run, serialise, exit. Never returns.
[[noreturn]] void child_main(const std::function<void(CaseResult&)>& fn, int result_fd,
                             int output_fd, pid_t parent) {
  setpgid(0, 0);
  // A case must not outlive the run that started it: one livelocked in its handler once went on
  // for an hour after its parent was killed.
  if (!tie_to_parent(parent)) _exit(1);
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  if (output_fd > STDERR_FILENO) close(output_fd);
  // A parent's handlers and mask must not leak into the case.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  forget_resource_failure();
  CaseResult r;
  try {
    fn(r);
  } catch (const std::bad_alloc& e) {
    note_resource_failure("memory", ENOMEM);
    r.status = Status::kError;
    r.reason = fmt::format("exception: {}", e.what());
  } catch (const std::system_error& e) {  // std::thread's constructor, out of threads
    note_resource_failure("a thread", e.code().value());
    r.status = Status::kError;
    r.reason = fmt::format("exception: {}", e.what());
  } catch (const std::exception& e) {
    r.status = Status::kError;
    r.reason = fmt::format("exception: {}", e.what());
  }
  // A limit the run was given stops the run; it says nothing of the case.
  if (r.usage_error.empty()) r.usage_error = resource_failure();
  write_all(result_fd, case_result_to_json(r).dump());
  close(result_fd);
  _exit(0);
}

// A child that could not be started: which call failed, and its errno.
struct SpawnFailure {
  const char* call = "";
  int err = 0;
  std::string describe() const { return fmt::format("{}: {}", call, std::strerror(err)); }
};

std::optional<Child> spawn(const std::function<void(CaseResult&)>& fn, double timeout_s,
                           SpawnFailure* failure) {
  int result_pipe[2], output_pipe[2];
  if (pipe2(result_pipe, O_CLOEXEC) != 0) {
    *failure = {"pipe2", errno};
    return std::nullopt;
  }
  if (pipe2(output_pipe, O_CLOEXEC) != 0) {
    *failure = {"pipe2", errno};
    close(result_pipe[0]);
    close(result_pipe[1]);
    return std::nullopt;
  }
  fflush(stdout);
  fflush(stderr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    close(result_pipe[0]);
    close(output_pipe[0]);
    child_main(fn, result_pipe[1], output_pipe[1], parent);
  }
  close(result_pipe[1]);
  close(output_pipe[1]);
  if (pid < 0) {
    *failure = {"fork", errno};
    close(result_pipe[0]);
    close(output_pipe[0]);
    return std::nullopt;
  }
  setpgid(pid, pid);  // also from here, so the group exists before any kill
  Child c;
  c.pid = pid;
  c.result_fd = result_pipe[0];
  c.output_fd = output_pipe[0];
  c.started = Clock::now();
  c.deadline = c.started + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(timeout_s));
  return c;
}

// Reads what is available; returns false at end of file.
bool drain(int fd, std::string* into, size_t limit, bool* truncated) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  size_t room = into->size() < limit ? limit - into->size() : 0;
  into->append(buf, std::min(room, static_cast<size_t>(n)));
  if (static_cast<size_t>(n) > room && truncated) *truncated = true;
  return true;
}

std::string describe_signal(int sig) {
  const char* name = sigabbrev_np(sig);
  const char* text = strsignal(sig);
  return fmt::format("SIG{} ({})", name ? name : std::to_string(sig).c_str(),
                     text ? text : "unknown signal");
}

CaseResult finish(Child& c, double timeout_s) {
  int status = 0;
  while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c.started).count();
  CaseResult r;
  std::string error;
  if (c.timed_out) {
    r.status = Status::kError;
    r.reason = fmt::format("timed out after {:g} s", timeout_s);
  } else if (!c.result_text.empty() &&
             case_result_from_json(nlohmann::json::parse(c.result_text, nullptr, false), &r,
                                   &error)) {
    if (WIFSIGNALED(status)) {  // a result, then a crash on the way out
      r.status = Status::kError;
      r.reason = "killed by " + describe_signal(WTERMSIG(status)) + " after reporting";
    }
  } else if (WIFSIGNALED(status)) {
    r.status = Status::kError;
    r.reason = "killed by " + describe_signal(WTERMSIG(status));
  } else {
    r.status = Status::kError;
    r.reason = WIFEXITED(status)
                   ? fmt::format("exited with status {} without a result", WEXITSTATUS(status))
                   : "ended without a result";
    if (!error.empty()) r.reason += ": " + error;
  }
  r.duration_ms = ms;
  if (c.output_truncated) c.output += "\n[output truncated]";
  r.output = c.output;
  close(c.result_fd);
  close(c.output_fd);
  return r;
}

// Polls every running child once (up to the nearest deadline); returns finished ones.
std::vector<Child> pump(std::vector<Child>& running, const ExecutorOptions& opts) {
  std::vector<pollfd> fds;
  std::vector<std::pair<size_t, bool>> owner;  // child index, is_result
  auto now = Clock::now();
  auto nearest = Clock::time_point::max();
  for (size_t i = 0; i < running.size(); ++i) {
    Child& c = running[i];
    if (c.result_fd >= 0) {
      fds.push_back({c.result_fd, POLLIN, 0});
      owner.push_back({i, true});
    }
    if (c.output_fd >= 0) {
      fds.push_back({c.output_fd, POLLIN, 0});
      owner.push_back({i, false});
    }
    nearest = std::min(nearest, c.deadline);
  }
  int wait_ms =
      nearest <= now
          ? 0
          : static_cast<int>(std::min<int64_t>(
                1000,
                std::chrono::duration_cast<std::chrono::milliseconds>(nearest - now).count() + 1));
  if (!fds.empty()) poll(fds.data(), fds.size(), wait_ms);
  for (size_t k = 0; k < fds.size(); ++k) {
    if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    Child& c = running[owner[k].first];
    if (owner[k].second) {
      if (!drain(c.result_fd, &c.result_text, 64 << 20, nullptr)) {
        close(c.result_fd);
        c.result_fd = -2;  // closed; finish() must not close it again
      }
    } else if (!drain(c.output_fd, &c.output, opts.max_output_bytes, &c.output_truncated)) {
      close(c.output_fd);
      c.output_fd = -2;
    }
  }
  now = Clock::now();
  std::vector<Child> done;
  for (size_t i = 0; i < running.size();) {
    Child& c = running[i];
    if (c.result_fd < 0 && c.output_fd < 0) {
      done.push_back(c);
      running.erase(running.begin() + static_cast<long>(i));
      continue;
    }
    if (now >= c.deadline) {
      c.timed_out = true;
      kill(-c.pid, SIGKILL);
      kill(c.pid, SIGKILL);
      if (c.result_fd >= 0) close(c.result_fd);
      if (c.output_fd >= 0) close(c.output_fd);
      c.result_fd = c.output_fd = -2;
      done.push_back(c);
      running.erase(running.begin() + static_cast<long>(i));
      continue;
    }
    ++i;
  }
  return done;
}

}  // namespace

std::string execute(const std::vector<Job>& jobs, const Machine& m, const RunControls& controls,
                    const ExecutorOptions& opts,
                    const std::function<void(size_t, CaseResult&&)>& on_done) {
  std::vector<Child> running;
  std::map<size_t, CaseResult> finished;
  size_t next_to_start = 0, next_to_report = 0;
  unsigned parallel = std::max(1u, opts.jobs);
  while (next_to_report < jobs.size()) {
    while (running.size() < parallel && next_to_start < jobs.size()) {
      const Job job = jobs[next_to_start];
      auto fn = [&m, &controls, job](CaseResult& r) {
        const CaseContext ctx(m, job.seed, controls);
        if (!job.descriptor->prepares_components_itself) {
          const Availability prepared = prepare_components(m, available_components(m));
          if (!prepared.ok) {
            return r.set_error("could not prepare " + prepared.reason);
          }
        }
        activate_emulation(controls.emulation, m, job.seed);
        job.descriptor->run(ctx, r);
        // How often the bug's effect was applied: zero means the case never met its trigger.
        if (controls.emulation) r.facts["emulated_deliveries"] = emulation_applications();
      };
      SpawnFailure failure;
      std::optional<Child> c = spawn(fn, opts.timeout_s, &failure);
      if (!c) {
        // Out of descriptors or processes (ulimit -n, -u): fewer cases at a time, while any
        // runs; with none running, the limit leaves no room for one, and the run stops.
        if (running.empty() || !is_resource_errno(failure.err))
          return with_resource_limits("cannot start a case process: " + failure.describe());
        parallel = static_cast<unsigned>(running.size());
        fmt::print(stderr, "sigctx: note: {}\n",
                   with_resource_limits(fmt::format("running {} case{} at a time, not {}: {}",
                                                    parallel, parallel == 1 ? "" : "s", opts.jobs,
                                                    failure.describe())));
        break;
      }
      c->index = next_to_start++;
      running.push_back(*c);
    }
    std::string usage_error;
    for (Child& c : pump(running, opts)) {
      CaseResult r = finish(c, opts.timeout_s);
      if (!r.usage_error.empty() && usage_error.empty())
        usage_error = fmt::format("{}: {}", jobs[c.index].descriptor->id, r.usage_error);
      finished[c.index] = std::move(r);
    }
    // The command line or a process limit, not the platform: every other case would meet it
    // too, so the run stops here without a verdict.
    if (!usage_error.empty()) {
      for (Child& c : running) {
        kill(-c.pid, SIGKILL);
        kill(c.pid, SIGKILL);
        finish(c, opts.timeout_s);
      }
      return usage_error;
    }
    while (finished.count(next_to_report)) {
      CaseResult r = std::move(finished[next_to_report]);
      finished.erase(next_to_report);
      const Job& job = jobs[next_to_report];
      r.id = job.descriptor->id;
      r.seed = job.seed;
      r.iteration = job.iteration;
      on_done(next_to_report, std::move(r));
      ++next_to_report;
    }
  }
  return "";
}

double case_timeout_s(const Machine& m) {
  const double scale =
      std::clamp(m.platform.delivery_ns / kReferenceDeliveryNs, 1.0, kMostTimeoutScale);
  return kDefaultCaseTimeoutS * scale;
}

CaseResult run_forked(const std::function<void(CaseResult&)>& fn, double timeout_s) {
  SpawnFailure failure;
  std::optional<Child> c = spawn(fn, timeout_s, &failure);
  if (!c) {
    CaseResult r;
    r.status = Status::kError;
    r.reason = "could not start: " + failure.describe();
    if (is_resource_errno(failure.err))
      r.usage_error = with_resource_limits("cannot start a process: " + failure.describe());
    return r;
  }
  std::vector<Child> running{*c};
  ExecutorOptions opts;
  for (;;) {
    auto done = pump(running, opts);
    if (!done.empty()) return finish(done.front(), timeout_s);
  }
}

}  // namespace sigctx
