#include "results/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

namespace sigctx {

namespace {
std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

bool write_file_atomically(const std::string& path, const std::string& content,
                           std::string* error) {
  std::string tmpl = path + ".tmp.XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    *error = fmt::format("{}: cannot create a temporary file in {}: {}", path, dir_of(path),
                         std::strerror(errno));
    return false;
  }
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = fmt::format("{}: write failed: {}", tmpl, std::strerror(errno));
      close(fd);
      unlink(tmpl.c_str());
      return false;
    }
    off += static_cast<size_t>(n);
  }
  fchmod(fd, 0644);
  if (fsync(fd) != 0 || close(fd) != 0) {
    *error = fmt::format("{}: could not flush: {}", tmpl, std::strerror(errno));
    unlink(tmpl.c_str());
    return false;
  }
  if (rename(tmpl.c_str(), path.c_str()) != 0) {
    *error = fmt::format("{}: rename from {} failed: {}", path, tmpl, std::strerror(errno));
    unlink(tmpl.c_str());
    return false;
  }
  return true;
}

bool check_writable(const std::string& path, std::string* error) {
  const std::string dir = dir_of(path);
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    *error = fmt::format("{}: directory {} is not writable: {}", path, dir, std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace sigctx
