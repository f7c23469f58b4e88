#include "results/output_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace sigctx {

namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// "/dev/fd/N", "/proc/self/fd/N" and "/proc/PID/fd/N" with this process's PID name this
// process's descriptor N: writing there must reach that descriptor (a shell's redirection, a
// pipe), never a file opened anew at offset 0 or a rename over the file behind it.
int descriptor_named(const std::string& path) {
  for (const std::string& prefix : {std::string("/dev/fd/"), std::string("/proc/self/fd/"),
                                    fmt::format("/proc/{}/fd/", getpid())}) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string n = path.substr(prefix.size());
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos)
      return -1;
    return std::stoi(n);
  }
  return -1;
}

// Where a write to a path lands: its symlinks followed to the final name.
struct Destination {
  std::string path;  // the final name
  int fd = -1;       // >= 0: this process's descriptor, named through /dev/fd or /proc
  bool exists = false;
  struct stat st {};
  std::string error;  // the path could not be followed
};

Destination resolve(const std::string& path) {
  Destination d;
  d.path = path;
  for (int hops = 0; hops < 40; ++hops) {
    if ((d.fd = descriptor_named(d.path)) >= 0) {
      if (fstat(d.fd, &d.st) != 0)
        d.error = fmt::format("{} names descriptor {}, which is not open", path, d.fd);
      d.exists = d.error.empty();
      return d;
    }
    struct stat lst;
    if (lstat(d.path.c_str(), &lst) != 0) {
      if (errno != ENOENT) d.error = fmt::format("{}: {}", d.path, std::strerror(errno));
      return d;  // a new file
    }
    if (!S_ISLNK(lst.st_mode)) {
      d.exists = true;
      d.st = lst;
      return d;
    }
    char target[PATH_MAX];
    const ssize_t n = readlink(d.path.c_str(), target, sizeof target);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof target) {
      d.error = fmt::format("{}: cannot read the symbolic link: {}", d.path,
                            n < 0 ? std::strerror(errno) : "target too long");
      return d;
    }
    const std::string t(target, static_cast<size_t>(n));
    d.path = t[0] == '/' ? t : dir_of(d.path) + "/" + t;
  }
  d.error = fmt::format("{}: too many levels of symbolic links", path);
  return d;
}

bool write_all(int fd, const std::string& content, const std::string& what, std::string* error) {
  size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = fmt::format("{}: write failed after {} of {} bytes: {}", what, off, content.size(),
                           n < 0 ? std::strerror(errno) : "nothing written");
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

// A device, FIFO or socket, or a descriptor: written in place, never replaced.
bool write_through(const Destination& d, const std::string& path, const std::string& content,
                   std::string* error) {
  if (d.fd >= 0) return write_all(d.fd, content, path, error);
  // Non-blocking open: a FIFO nobody reads is an error now, not a hang.
  const int fd = open(d.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    *error = errno == ENXIO && S_ISFIFO(d.st.st_mode)
                 ? fmt::format("{}: no process has the FIFO open for reading", path)
                 : fmt::format("{}: cannot open: {}", path, std::strerror(errno));
    return false;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  const bool ok = write_all(fd, content, path, error);
  if (close(fd) != 0 && ok) {
    *error = fmt::format("{}: close failed: {}", path, std::strerror(errno));
    return false;
  }
  return ok;
}

// The mode a new file gets, as open(2) with 0666 would give it.
mode_t new_file_mode() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Umask:", 0) == 0)
      return 0666 & ~static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  return 0644;
}

bool replace_regular(const Destination& d, const std::string& path, const std::string& content,
                     std::string* error) {
  std::string tmpl = d.path + ".tmp.XXXXXX";
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    *error = fmt::format("{}: cannot create a temporary file in {}: {}", path, dir_of(d.path),
                         std::strerror(errno));
    return false;
  }
  bool ok = write_all(fd, content, tmpl, error);
  if (ok && d.exists) {
    // The replacement is the same file to its readers: same mode, and where we may, same owner.
    fchmod(fd, d.st.st_mode & 07777);
    if (d.st.st_uid != geteuid() || d.st.st_gid != getegid())
      (void)!fchown(fd, d.st.st_uid, d.st.st_gid);
  } else if (ok) {
    fchmod(fd, new_file_mode());
  }
  if (ok && fsync(fd) != 0) {
    *error = fmt::format("{}: could not flush: {}", tmpl, std::strerror(errno));
    ok = false;
  }
  if (close(fd) != 0 && ok) {
    *error = fmt::format("{}: could not flush: {}", tmpl, std::strerror(errno));
    ok = false;
  }
  if (ok && rename(tmpl.c_str(), d.path.c_str()) != 0) {
    *error = fmt::format("{}: rename from {} failed: {}", path, tmpl, std::strerror(errno));
    ok = false;
  }
  if (!ok) unlink(tmpl.c_str());
  return ok;
}

// Two names of one file: the same inode where it exists, else the same normalized path.
bool same_file(const Destination& a, const Destination& b) {
  if (a.exists != b.exists) return false;
  if (a.exists) return a.st.st_dev == b.st.st_dev && a.st.st_ino == b.st.st_ino;
  std::error_code ec1, ec2;
  return std::filesystem::weakly_canonical(a.path, ec1) ==
         std::filesystem::weakly_canonical(b.path, ec2);
}

bool is_replaced(const Destination& d) {
  return !d.exists || S_ISREG(d.st.st_mode);
}

}  // namespace

bool write_output_file(const std::string& path, const std::string& content, std::string* error) {
  const Destination d = resolve(path);
  if (!d.error.empty()) {
    *error = d.error;
    return false;
  }
  if (d.exists && S_ISDIR(d.st.st_mode)) {
    *error = fmt::format("{}: is a directory", path);
    return false;
  }
  return is_replaced(d) && d.fd < 0 ? replace_regular(d, path, content, error)
                                    : write_through(d, path, content, error);
}

bool check_outputs(const std::vector<NamedFile>& outputs, const std::vector<NamedFile>& inputs,
                   std::string* error) {
  std::vector<Destination> seen;
  for (const NamedFile& o : outputs) {
    const Destination d = resolve(o.path);
    if (!d.error.empty()) {
      *error = fmt::format("{} {}", o.flag, d.error);
      return false;
    }
    if (d.exists && S_ISDIR(d.st.st_mode)) {
      *error = fmt::format("{} {}: is a directory", o.flag, o.path);
      return false;
    }
    if (is_replaced(d) && d.fd < 0) {
      const std::string dir = dir_of(d.path);
      struct stat ds;
      if (stat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode)) {
        *error = fmt::format("{} {}: directory {} does not exist", o.flag, o.path, dir);
        return false;
      }
      if (access(dir.c_str(), W_OK | X_OK) != 0) {
        *error = fmt::format("{} {}: directory {} is not writable: {}", o.flag, o.path, dir,
                             std::strerror(errno));
        return false;
      }
    }
    for (size_t i = 0; i < seen.size(); ++i)
      if (is_replaced(d) && same_file(seen[i], d)) {
        *error = fmt::format("{} {} and {} {} name the same file: one would overwrite the other",
                             outputs[i].flag, outputs[i].path, o.flag, o.path);
        return false;
      }
    for (const NamedFile& in : inputs)
      if (same_file(resolve(in.path), d)) {
        *error =
            fmt::format("{} {} would overwrite the input {} {}", o.flag, o.path, in.flag, in.path);
        return false;
      }
    seen.push_back(d);
  }
  return true;
}

}  // namespace sigctx
