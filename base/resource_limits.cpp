#include "base/resource_limits.h"

#include <sys/resource.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace sigctx {

namespace {

std::mutex g_lock;
std::string g_failure;  // guarded by g_lock

}  // namespace

bool is_resource_errno(int err) {
  return err == EAGAIN || err == ENOMEM || err == EMFILE || err == ENFILE;
}

void note_resource_failure(const char* what, int err) {
  if (!is_resource_errno(err)) return;
  std::lock_guard<std::mutex> l(g_lock);
  if (g_failure.empty()) g_failure = fmt::format("cannot create {}: {}", what, std::strerror(err));
}

void forget_resource_failure() {
  std::lock_guard<std::mutex> l(g_lock);
  g_failure.clear();
}

std::string resource_failure() {
  std::string failure;
  {
    std::lock_guard<std::mutex> l(g_lock);
    failure = g_failure;
  }
  return failure.empty() ? "" : with_resource_limits(failure);
}

std::string with_resource_limits(const std::string& message) {
  const std::string limits = describe_resource_limits();
  return limits.empty() ? message : message + " (" + limits + ")";
}

std::string describe_resource_limits() {
  struct Limit {
    int resource;
    const char* flag;
    const char* what;
    rlim_t unit;
  };
  static constexpr Limit kLimits[] = {{RLIMIT_NOFILE, "-n", " (open files)", 1},
                                      {RLIMIT_NPROC, "-u", " (processes)", 1},
                                      {RLIMIT_AS, "-v", " KiB (address space)", 1024}};
  std::string out;
  for (const Limit& l : kLimits) {
    rlimit lim{};
    if (getrlimit(l.resource, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) continue;
    out += fmt::format("{}ulimit {} {}{}", out.empty() ? "" : ", ", l.flag, lim.rlim_cur / l.unit,
                       l.what);
  }
  return out;
}

}  // namespace sigctx
