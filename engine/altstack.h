// A sigaltstack of an exact size with guard bytes on both sides, in fresh anonymous memory.
// Nothing in the pages the stack shares with its lower guard is written before the kernel writes
// the frame (the Linux 5.2 trigger was a signal stack page not yet faulted in): the lower guard is
// the mapping's own zero fill, checked for any non-zero byte; the upper guard, in pages of its
// own above the page-aligned top, holds a canary. The aligned top also puts the frame at the same
// offset from the top on every delivery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/case_result.h"

namespace sigctx {

// The smallest size sigaltstack(2) accepts: the kernel's UAPI MINSIGSTKSZ. (glibc's
// MINSIGSTKSZ macro is sysconf(_SC_SIGSTKSZ) under _GNU_SOURCE, four times AT_MINSIGSTKSZ.)
constexpr size_t kKernelMinSigStkSz = 2048;
// The classic SIGSTKSZ, for kernels that give no AT_MINSIGSTKSZ.
constexpr size_t kClassicSigStkSz = 8192;

// The smallest size sigaltstack(2) accepts in this process now, found by asking it (the current
// alternate stack is put back, and signals are blocked meanwhile): MINSIGSTKSZ, unless the
// process holds a permission for a dynamic XSAVE feature (AMX), which raises Linux's floor to
// about AT_MINSIGSTKSZ. 0 when sigaltstack(2) accepts nothing up to 1 MiB.
size_t smallest_accepted_altstack();

class GuardedAltstack {
 public:
  static constexpr size_t kGuardBytes = 16 * 1024;
  static constexpr uint8_t kUpperGuardByte = 0xa5;  // the lower guard stays zero

  // Maps the region. shared = MAP_SHARED, so that a parent can inspect the guards after a
  // child died delivering onto it.
  GuardedAltstack(size_t size, bool shared = false);
  ~GuardedAltstack();
  GuardedAltstack(const GuardedAltstack&) = delete;
  GuardedAltstack& operator=(const GuardedAltstack&) = delete;

  bool ok() const { return base_ != nullptr; }
  uint8_t* sp() const { return sp_; }  // lowest address of the stack
  size_t size() const { return size_; }
  uint64_t top() const { return reinterpret_cast<uint64_t>(sp_) + size_; }
  // sigaltstack(2) onto it; false with errno set on failure.
  bool install() const;
  // Disables the alternate stack (SS_DISABLE).
  static void disable();
  // How many pages of the stack itself are resident (mincore): 0 until a frame is written onto
  // it, which is what makes each delivery the linux-5.2-sigframe trigger. -1 with errno set
  // when mincore fails.
  long resident_pages() const;
  // Findings for any guard byte that changed, naming the offset from the stack.
  std::vector<Finding> check_guards() const;
  // Address of the byte just below the stack (for the guard fault).
  uint64_t below() const { return reinterpret_cast<uint64_t>(sp_) - 1; }
  // Inside a handler: whether `address` (the frame) lies on the stack installed last, and this
  // is the first delivery onto it, so the kernel wrote into pages nothing had touched (the
  // linux-5.2-sigframe trigger). Answers true once per install().
  static bool first_delivery_on_untouched(uint64_t address);

 private:
  uint8_t* base_ = nullptr;
  size_t mapped_ = 0;
  uint8_t* sp_ = nullptr;
  size_t size_ = 0;
};

}  // namespace sigctx
