#include "runners/vm/cpio_archive.h"

#include <sys/stat.h>

#include <fmt/format.h>

namespace sigctx {

namespace {

void pad_to_4(std::string& s) {
  s.append((4 - s.size() % 4) % 4, '\0');
}

}  // namespace

void CpioArchive::add(const std::string& path, uint32_t mode, std::string_view data,
                      uint32_t rdev_major, uint32_t rdev_minor) {
  // "070701", then 13 eight-digit hex fields: ino, mode, uid, gid, nlink, mtime, filesize,
  // devmajor, devminor, rdevmajor, rdevminor, namesize (with its NUL) and check.
  const uint32_t nlink = S_ISDIR(mode) ? 2 : 1;
  out_ += fmt::format(
      "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
      next_inode_++, mode, 0, 0, nlink, 0, data.size(), 0, 0, rdev_major, rdev_minor,
      path.size() + 1, 0);
  out_ += path;
  out_ += '\0';
  pad_to_4(out_);
  out_ += data;
  pad_to_4(out_);
}

void CpioArchive::add_directory(const std::string& path, uint32_t mode) {
  add(path, S_IFDIR | mode, {}, 0, 0);
}

void CpioArchive::add_file(const std::string& path, std::string_view data, uint32_t mode) {
  add(path, S_IFREG | mode, data, 0, 0);
}

void CpioArchive::add_char_device(const std::string& path, uint32_t major, uint32_t minor,
                                  uint32_t mode) {
  add(path, S_IFCHR | mode, {}, major, minor);
}

std::string CpioArchive::finish() {
  add("TRAILER!!!", 0, {}, 0, 0);
  return std::move(out_);
}

}  // namespace sigctx
