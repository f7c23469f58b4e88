// Does mincore tell pages never touched from pages touched? signal/altstack-churn relies on it
// to prove that the kernel wrote a signal frame into pages that were not yet there (the
// linux-5.2-sigframe trigger); gVisor reports untouched pages as resident.
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <vector>

#include "platform/capability_probes.h"

namespace sigctx {

Capability probe_mincore() {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  constexpr size_t kPages = 4;
  void* p =
      mmap(nullptr, kPages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return Capability::unprobed_because(fmt::format("mmap: {}", std::strerror(errno)));
  std::vector<unsigned char> in_core(kPages);
  auto resident = [&](size_t* count) {
    if (mincore(p, kPages * page, in_core.data()) != 0) return false;
    *count = 0;
    for (unsigned char c : in_core)
      *count += c & 1;
    return true;
  };
  size_t before = 0, after = 0;
  Capability c;
  if (!resident(&before)) {
    c = Capability::refused_because(fmt::format("mincore: {}", std::strerror(errno)));
  } else {
    static_cast<volatile char*>(p)[0] = 1;  // one page touched; THP may bring its neighbours
    resident(&after);
    if (before != 0)
      c = Capability::broken_because(fmt::format(
          "mincore reported {} of {} never-touched pages of a fresh anonymous mapping resident",
          before, kPages));
    else if ((in_core[0] & 1) == 0)
      c = Capability::broken_because("mincore reported a page just written as not resident");
    else
      c = Capability::works_because(
          "mincore reported a fresh anonymous mapping absent, and its page resident once written");
  }
  munmap(p, kPages * page);
  return c;
}

}  // namespace sigctx
