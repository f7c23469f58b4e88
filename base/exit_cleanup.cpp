#include "base/exit_cleanup.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include <filesystem>
#include <mutex>
#include <set>

#include "base/resource_limits.h"

namespace sigctx {

namespace {

// A record is '+' or '-', the path, and a NUL: one write of at most PIPE_BUF bytes, so records
// from several threads or processes never interleave.
constexpr size_t kMostPath = PIPE_BUF - 2;

std::mutex g_lock;
int g_write_fd = -1;  // guarded by g_lock
pid_t g_guardian = -1;

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

[[noreturn]] void guardian_main(int read_fd) {
  // Its own process group, ignoring what a terminal or a group kill sends sigctx: it must be
  // the last one standing.
  setpgid(0, 0);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
    signal(sig, SIG_IGN);
  if (chdir("/") != 0) {
  }
  std::set<std::string> paths;
  std::string record;
  char buf[PIPE_BUF];
  for (;;) {
    const ssize_t n = read(read_fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\0') {
        record.push_back(buf[i]);
        continue;
      }
      if (record.size() > 1 && record[0] == '+') paths.insert(record.substr(1));
      if (record.size() > 1 && record[0] == '-') paths.erase(record.substr(1));
      record.clear();
    }
  }
  for (const std::string& p : paths)
    remove_tree(p);
  _exit(0);
}

// Starts the guardian; called with g_lock held.
bool start_guardian() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    note_resource_failure("a pipe", errno);
    return false;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    note_resource_failure("a process (fork)", errno);
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    // Only the read end stays open: a write end held here would keep the pipe open forever.
    const int keep = fds[0] == 0 ? 0 : dup2(fds[0], 0);
    if (keep != 0) _exit(1);
    if (close_range(1, ~0u, 0) != 0)  // gVisor and kernels before 5.9 lack it
      for (int fd = 1, most = static_cast<int>(sysconf(_SC_OPEN_MAX)); fd < most && fd < 65536;
           ++fd)
        close(fd);
    guardian_main(0);
  }
  close(fds[0]);
  g_write_fd = fds[1];
  g_guardian = pid;
  return true;
}

bool send(char op, const std::string& path) {
  if (path.empty() || path.size() > kMostPath || path.find('\0') != std::string::npos) return false;
  std::string record;
  record.reserve(path.size() + 2);
  record.push_back(op);
  record += path;
  record.push_back('\0');
  std::lock_guard<std::mutex> l(g_lock);
  if (g_write_fd < 0 && (op == '-' || !start_guardian())) return false;
  ssize_t n;
  while ((n = write(g_write_fd, record.data(), record.size())) < 0 && errno == EINTR) {
  }
  return n == static_cast<ssize_t>(record.size());
}

}  // namespace

bool remove_at_exit(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return !ec && send('+', absolute.string());
}

std::string make_temporary_directory(const std::string& prefix, std::string* error) {
  std::error_code ec;
  const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) {
    *error = "no temporary directory: " + ec.message();
    return "";
  }
  static constexpr char kLetters[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    unsigned char random[12];
    if (getrandom(random, sizeof(random), 0) != static_cast<ssize_t>(sizeof(random))) {
      *error = std::string("getrandom: ") + std::strerror(errno);
      return "";
    }
    std::string name = prefix;
    for (unsigned char r : random)
      name.push_back(kLetters[r % (sizeof(kLetters) - 1)]);
    const std::string path = (tmp / name).string();
    // Registered first: 62^12 names make another process's directory of the same name, which
    // the guardian would remove if this one were killed right here, out of reach.
    if (!remove_at_exit(path)) {
      *error = "cannot register " + path + " for removal (no guardian process)";
      return "";
    }
    if (mkdir(path.c_str(), 0700) == 0) return path;
    const int err = errno;
    send('-', std::filesystem::absolute(path, ec).string());
    if (err != EEXIST) {
      *error = fmt::format("mkdir {}: {}", path, std::strerror(err));
      return "";
    }
  }
  *error = "no free name in " + tmp.string();
  return "";
}

void remove_now(const std::string& path) {
  remove_tree(path);
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (!ec) send('-', absolute.string());
}

int exit_cleanup_guardian() {
  std::lock_guard<std::mutex> l(g_lock);
  return g_guardian;
}

}  // namespace sigctx
