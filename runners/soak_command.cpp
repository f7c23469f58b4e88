// sigctx soak [run options] --out DIR [--max-time SEC] [--max-iterations N] [--until-fail]
//
// Repeats `sigctx run` with the given options, one seed per iteration derived from --seed as
// --repeat derives them, until an iteration fails, a limit is reached, or SIGINT or SIGTERM
// arrives. Each iteration is a child process (this binary, `run ... --json`) in its own process
// group, its stdout and stderr in files: a crash or a hang takes only that iteration down, and
// a terminal's signals reach only soak. SIGHUP is ignored and the progress line is written with
// write(2), whose errors are ignored, so the soak keeps running when its terminal closes.
//
// Under DIR: summary.json (sigctx-soak/1, rewritten atomically after every iteration) and, for
// the failing iteration, failure/ with its stdout.txt, stderr.txt, result.json, the
// environment, the working directory, the binary's path and SHA-256, the fingerprint and the
// seed with the command that reruns it.
#include <fcntl.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/tied_fork.h"
#include "results/json_lines.h"
#include "results/output_file.h"
#include "runners/commands.h"
#include "runners/run_options.h"

extern char** environ;

namespace sigctx {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

volatile sig_atomic_t g_stop_signal = 0;
volatile pid_t g_child_group = 0;

void on_stop(int sig) {
  g_stop_signal = sig;
  if (g_child_group > 0) kill(-g_child_group, SIGTERM);
}

// Progress and messages that must not stop the soak when the terminal is gone.
void say(int fd, const std::string& text) {
  const ssize_t unused = write(fd, text.data(), text.size());
  (void)unused;
}

std::string sha256_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  sha256_ctx ctx;
  sha256_init(&ctx);
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof(buf));
    sha256_update(&ctx, static_cast<size_t>(in.gcount()), reinterpret_cast<const uint8_t*>(buf));
  }
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof(digest), digest);
  std::string hex;
  for (uint8_t b : digest)
    hex += fmt::format("{:02x}", b);
  return hex;
}

// Runs `self run ARGS` with stdout and stderr into dir; its exit status, or -1 with *why.
int run_iteration(const std::string& self, const std::vector<std::string>& args,
                  const std::string& dir, std::string* why) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *why = fmt::format("fork: {}", std::strerror(errno));
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    // The iteration (and through its own PDEATHSIG, its cases) dies with soak, even by SIGKILL.
    if (!tie_to_parent(parent)) _exit(125);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    const int out = open((dir + "/stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open((dir + "/stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || null < 0) _exit(126);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(self.c_str()));
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  setpgid(pid, pid);  // both sides, so no signal can fall between
  g_child_group = pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child_group = 0;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  *why = fmt::format("the iteration's process was killed by signal {}", WTERMSIG(status));
  return 128 + WTERMSIG(status);
}

std::string duration_text(double s) {
  const long t = static_cast<long>(s);
  return t >= 3600 ? fmt::format("{}h{:02}m{:02}s", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}m{:02}s", t / 60, t % 60);
}

// What the failing iteration leaves besides its own files: how to see the same process again.
void keep_context(const std::string& dir, const std::string& self, uint64_t seed,
                  const std::vector<std::string>& options) {
  std::string env;
  for (char** e = environ; e && *e; ++e)
    env += std::string(*e) + "\n";
  std::string error;
  write_output_file(dir + "/environment.txt", env, &error);
  write_output_file(dir + "/cwd.txt", fs::current_path().string() + "\n", &error);
  write_output_file(dir + "/binary.txt",
                    fmt::format("{}\nsha256 {}\n{}\n", self, sha256_of(self), tool_version_line()),
                    &error);
  std::string command = "sigctx run";
  for (const std::string& a : options)
    command += " " + a;
  write_output_file(dir + "/seed.txt",
                    fmt::format("seed {:#x}\nrerun: {} --seed {:#x}\n", seed, command, seed),
                    &error);
  // The fingerprint, from the iteration's own result file.
  JsonDocument doc;
  if (read_json_document(dir + "/result.json", &doc, &error) && doc.value.contains("machine"))
    write_output_file(dir + "/fingerprint.json", doc.value["machine"].dump(2) + "\n", &error);
}

}  // namespace

int soak_command(const RunOptions& o, const SoakOptions& s) {
  std::error_code ec;
  fs::create_directories(s.out_dir, ec);
  if (ec || !fs::is_directory(s.out_dir)) {
    fmt::print(stderr, "sigctx: error: soak --out {}: {}\n", s.out_dir,
               ec ? ec.message() : "not a directory");
    return kExitUsage;
  }
  if (fs::exists(fs::path(s.out_dir) / "summary.json") ||
      fs::exists(fs::path(s.out_dir) / "failure")) {
    fmt::print(
        stderr,
        "sigctx: error: soak --out {}: holds an earlier soak (summary.json); use a new directory\n",
        s.out_dir);
    return kExitUsage;
  }
  if (!o.json_path.empty() || !o.junit_path.empty() || o.tap) {
    fmt::print(stderr,
               "sigctx: error: soak keeps each iteration's files under --out; --json, "
               "--junit and --tap do not apply\n");
    return kExitUsage;
  }
  const std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    fmt::print(stderr, "sigctx: error: soak: /proc/self/exe: {}\n", ec.message());
    return kExitUsage;
  }
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const bool terminal = isatty(STDERR_FILENO);
  const std::string current = s.out_dir + "/.iteration";
  RunOptions iteration_options = o;  // the failure's rerun command names files absolutely
  for (std::string& e : iteration_options.expect_files)
    e = fs::absolute(e).string();
  const std::vector<std::string> options = run_arguments(iteration_options);
  const auto started = Clock::now();
  nlohmann::json summary = {{"schema", "sigctx-soak/1"},
                            {"tool", tool_version_line()},
                            {"run_options", options},
                            {"seed", fmt::format("{:#x}", o.seed)},
                            {"max_time_s", s.max_time_s},
                            {"max_iterations", s.max_iterations},
                            {"iterations", nlohmann::json::array()}};
  std::string stop_reason, error;
  int exit_status = kExitOk;
  uint64_t iteration = 0;
  for (;; ++iteration) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    if (g_stop_signal) {
      stop_reason = g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM";
      break;
    }
    if (s.max_iterations && iteration >= s.max_iterations) {
      stop_reason = "max-iterations";
      break;
    }
    if (s.max_time_s > 0 && elapsed >= s.max_time_s) {
      stop_reason = "max-time";
      break;
    }
    const uint64_t seed = derived_seed(o.seed, static_cast<unsigned>(iteration));
    fs::remove_all(current, ec);
    fs::create_directories(current, ec);
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(),
                {"--seed", fmt::format("{:#x}", seed), "--json", current + "/result.json"});
    if (terminal)
      say(STDERR_FILENO, fmt::format("\r\033[Ksoak: iteration {} (seed {:#x}), {} elapsed{}",
                                     iteration + 1, seed, duration_text(elapsed),
                                     s.max_time_s > 0 ? " of " + duration_text(s.max_time_s) : ""));
    const auto t = Clock::now();
    std::string why;
    const int rc = run_iteration(self, args, current, &why);
    const double seconds = std::chrono::duration<double>(Clock::now() - t).count();
    if (g_stop_signal && rc != kExitOk && rc != kExitFail) {
      stop_reason = g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM";  // interrupted, not failed
      break;
    }
    nlohmann::json entry = {{"iteration", iteration},
                            {"seed", fmt::format("{:#x}", seed)},
                            {"exit_status", rc},
                            {"duration_s", seconds}};
    JsonDocument doc;
    if (read_json_document(current + "/result.json", &doc, &error) && doc.value.contains("summary"))
      entry["summary"] = doc.value["summary"];
    summary["iterations"].push_back(entry);
    // Its options, or a process limit (ulimit -n, -u, -v) it met: the same in every iteration,
    // and no failure of the platform.
    if (rc == kExitUsage) {
      std::string text;
      read_text_file(current + "/stderr.txt", &text, &error);
      fmt::print(stderr, "{}sigctx: error: soak: iteration {} stopped with a usage error:\n{}",
                 terminal ? "\n" : "", iteration + 1, text);
      fs::remove_all(current, ec);
      return kExitUsage;
    }
    if (rc != kExitOk) {
      const std::string failure = s.out_dir + "/failure";
      keep_context(current, self, seed, options);
      fs::rename(current, failure, ec);
      summary["failure"] = {{"iteration", iteration},
                            {"seed", fmt::format("{:#x}", seed)},
                            {"exit_status", rc},
                            {"reason", why.empty() ? "a case failed" : why},
                            {"dir", failure}};
      stop_reason = "failure";
      exit_status = kExitFail;
      ++iteration;
      break;
    }
    summary["completed"] = iteration + 1;
    summary["duration_s"] = std::chrono::duration<double>(Clock::now() - started).count();
    summary["stop_reason"] = "running";
    write_output_file(s.out_dir + "/summary.json", summary.dump(2) + "\n", &error);
  }
  fs::remove_all(current, ec);
  const double total = std::chrono::duration<double>(Clock::now() - started).count();
  summary["completed"] = iteration;
  summary["duration_s"] = total;
  summary["stop_reason"] = stop_reason;
  if (!write_output_file(s.out_dir + "/summary.json", summary.dump(2) + "\n", &error)) {
    say(STDERR_FILENO, fmt::format("\nsigctx: error: soak: {}\n", error));
    return kExitUsage;
  }
  say(STDOUT_FILENO,
      fmt::format("{}soak: {} after {} iteration{} in {}{}\n", terminal ? "\n" : "", stop_reason,
                  iteration, iteration == 1 ? "" : "s", duration_text(total),
                  exit_status == kExitFail
                      ? fmt::format("; the failing iteration is in {}/failure", s.out_dir)
                      : ""));
  return exit_status;
}

}  // namespace sigctx
