// A writable, executable copy of a dirty routine with one int3 patched in: the third, independent
// way to stop at an exact boundary. The handler puts the original byte back and rewinds rip, so
// an int3 fires at the first execution of its instruction only. Kernels reference nothing
// outside their own bytes, so the copy runs anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sigctx {

class Int3Copy {
 public:
  static std::unique_ptr<Int3Copy> make(const char* start, const char* end, uint32_t patch_offset,
                                        std::string* error);
  ~Int3Copy();
  Int3Copy(const Int3Copy&) = delete;
  Int3Copy& operator=(const Int3Copy&) = delete;
  uint8_t* code() const { return code_; }
  uint8_t* patch() const { return code_ + offset_; }
  uint8_t original() const { return original_; }

 private:
  Int3Copy() = default;
  uint8_t* code_ = nullptr;
  size_t size_ = 0;
  uint32_t offset_ = 0;
  uint8_t original_ = 0;
};

}  // namespace sigctx
