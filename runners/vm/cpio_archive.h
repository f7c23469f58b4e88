// A newc cpio archive, the format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Written in memory, without
// touching the host's file system, so device nodes need no privilege.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sigctx {

class CpioArchive {
 public:
  void add_directory(const std::string& path, uint32_t mode = 0755);
  void add_file(const std::string& path, std::string_view data, uint32_t mode = 0644);
  void add_char_device(const std::string& path, uint32_t major, uint32_t minor,
                       uint32_t mode = 0600);
  // The archive with its TRAILER!!! entry; the object is spent.
  std::string finish();

 private:
  void add(const std::string& path, uint32_t mode, std::string_view data, uint32_t rdev_major,
           uint32_t rdev_minor);
  std::string out_;
  uint32_t next_inode_ = 1;
};

}  // namespace sigctx
