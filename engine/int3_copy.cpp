#include "engine/int3_copy.h"

#include <sys/mman.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

namespace sigctx {

std::unique_ptr<Int3Copy> Int3Copy::make(const char* start, const char* end, uint32_t patch_offset,
                                         std::string* error) {
  const size_t size = static_cast<size_t>(end - start);
  if (patch_offset >= size) {
    *error = fmt::format("offset {:#x} is outside the {}-byte routine", patch_offset, size);
    return nullptr;
  }
  // Writable and executable at once: the handler restores the byte while the copy runs.
  void* p =
      mmap(nullptr, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *error = fmt::format("mmap of an executable copy: {}", std::strerror(errno));
    return nullptr;
  }
  std::unique_ptr<Int3Copy> c(new Int3Copy());
  c->code_ = static_cast<uint8_t*>(p);
  c->size_ = size;
  c->offset_ = patch_offset;
  std::memcpy(c->code_, start, size);
  c->original_ = c->code_[patch_offset];
  c->code_[patch_offset] = 0xcc;
  return c;
}

Int3Copy::~Int3Copy() {
  if (code_) munmap(code_, size_);
}

}  // namespace sigctx
