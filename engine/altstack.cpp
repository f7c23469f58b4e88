#include "engine/altstack.h"

#include "engine/emulation.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <cstring>

namespace sigctx {

namespace {
size_t page_size() {
  return static_cast<size_t>(sysconf(_SC_PAGESIZE));
}
size_t round_up(size_t v, size_t a) {
  return (v + a - 1) / a * a;
}

// The stack installed last, while no delivery has landed on it yet.
std::atomic<uint64_t> g_untouched_low{0}, g_untouched_high{0};
}  // namespace

size_t smallest_accepted_altstack() {
  // The probe region is not a real stack: no signal may be delivered while it is installed.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  stack_t saved;
  if (sigaltstack(nullptr, &saved) != 0) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return 0;
  }
  // sigaltstack(2) checks only the size; the memory is never touched.
  static uint8_t probe_region alignas(64)[64];
  auto accepted = [&](size_t size) {
    stack_t ss{};
    ss.ss_sp = probe_region;
    ss.ss_size = size;
    return sigaltstack(&ss, nullptr) == 0;
  };
  size_t lo = 0, hi = 1 << 20;  // lo refused (or zero), hi accepted
  if (!accepted(hi)) hi = 0;
  while (hi && hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    (accepted(mid) ? hi : lo) = mid;
  }
  if (saved.ss_flags & SS_DISABLE) {
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  } else {
    saved.ss_flags = 0;
    sigaltstack(&saved, nullptr);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return hi;
}

GuardedAltstack::GuardedAltstack(size_t size, bool shared) : size_(size) {
  const size_t page = page_size();
  // [lower guard][stack, top page aligned][upper guard]
  mapped_ = kGuardBytes + round_up(size, page) + kGuardBytes + page;
  void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE,
                 (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;
  base_ = static_cast<uint8_t*>(p);
  uint8_t* top = base_ + kGuardBytes + round_up(size, page);
  sp_ = top - size;
  std::memset(top, kUpperGuardByte, kGuardBytes);
}

GuardedAltstack::~GuardedAltstack() {
  if (base_) munmap(base_, mapped_);
}

bool GuardedAltstack::install() const {
  // --emulate linux-altstack-overflow: the kernel is told the stack reaches into the lower
  // guard, so it delivers a frame that does not fit and writes its bottom below sp_.
  const Emulation* e = active_emulation();
  const size_t overrun = e ? std::min(e->altstack_overrun, kGuardBytes / 2) : 0;
  stack_t ss;
  ss.ss_sp = sp_ - overrun;
  ss.ss_size = size_ + overrun;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, nullptr) != 0) return false;
  g_untouched_low.store(reinterpret_cast<uint64_t>(sp_));
  g_untouched_high.store(top());
  return true;
}

bool GuardedAltstack::first_delivery_on_untouched(uint64_t address) {
  const uint64_t low = g_untouched_low.load(), high = g_untouched_high.load();
  if (address < low || address >= high) return false;
  return g_untouched_low.exchange(0) == low;
}

long GuardedAltstack::resident_pages() const {
  const size_t page = page_size();
  uint8_t* first = base_ + (sp_ - base_) / page * page;
  const size_t pages = (reinterpret_cast<uint8_t*>(top()) - first) / page;
  std::vector<unsigned char> in_core(pages);
  if (mincore(first, pages * page, in_core.data()) != 0) return -1;
  return std::count_if(in_core.begin(), in_core.end(), [](unsigned char v) { return v & 1; });
}

void GuardedAltstack::disable() {
  stack_t ss;
  std::memset(&ss, 0, sizeof(ss));
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
}

std::vector<Finding> GuardedAltstack::check_guards() const {
  std::vector<Finding> out;
  auto scan = [&](const uint8_t* from, const char* check, const char* side, bool below) {
    const uint8_t untouched = below ? 0 : kUpperGuardByte;
    size_t changed = 0, first = 0, last = 0;
    for (size_t i = 0; i < kGuardBytes; ++i) {
      if (from[i] == untouched) continue;
      if (!changed++) first = i;
      last = i;
    }
    if (!changed) return;
    // Report offsets relative to the stack: negative below it, past its top above it.
    const long lo = below ? -static_cast<long>(kGuardBytes - first) : static_cast<long>(first);
    const long hi = below ? -static_cast<long>(kGuardBytes - last) : static_cast<long>(last);
    out.push_back({check,
                   fmt::format("{} byte{} {} the signal stack {} written (offsets {}..{} from "
                               "its {}): the frame did not fit and the kernel wrote outside it",
                               changed, changed == 1 ? "" : "s", side,
                               changed == 1 ? "was" : "were", lo, hi, below ? "bottom" : "top"),
                   "untouched", fmt::format("{} bytes changed", changed)});
  };
  scan(sp_ - kGuardBytes, "altstack.guard_below", "below", true);
  scan(sp_ + size_, "altstack.guard_above", "above", false);
  return out;
}

}  // namespace sigctx
