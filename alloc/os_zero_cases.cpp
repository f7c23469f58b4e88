// Each source is checked kRounds times. The churner is a forked process that maps 1 MiB, fills
// every 8-byte word with a lane of its pattern (process 1's), touches it, unmaps it, and again,
// until the case ends: the pages it frees are the ones the kernel must zero before handing them
// to us.
//   mmap            fresh private anonymous memory, read first (the zero page), then written
//                   one word per page and read again (fresh zeroed pages);
//   thp             the same, 4 MiB aligned with MADV_HUGEPAGE, one write per 2 MiB;
//   hugetlb         4 MiB of MAP_HUGETLB 2 MiB pages from the reserved pool (vm.nr_hugepages),
//                   one write per page; the churner fills and frees a huge page of the pool, so
//                   a pool page the kernel hands back unzeroed holds its pattern;
//   dontneed        filled with our own pattern, MADV_DONTNEED, read again: all zero;
//   free            filled with our pattern, MADV_FREE, read again: each page either keeps our
//                   values or is all zero, never anything else;
//   calloc-large    calloc of 8 MiB (glibc maps it fresh and skips the memset);
//   calloc-reused   calloc of 96 KiB right after freeing a block of that size filled with our
//                   pattern (glibc reuses it and must clear it);
//   fork-cow        a zero region shared copy-on-write with a forked child, which writes its
//                   own pattern into its copy; the parent's copy must stay zero, and the
//                   child's untouched pages too.
#include "alloc/os_zero_cases.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "base/tied_fork.h"
#include "engine/case_support.h"
#include "xstate/component_registry.h"
#include "xstate/pattern.h"
#include "xstate/routines/zero_check.h"

namespace sigctx {

namespace {

constexpr unsigned kRounds = 8;
constexpr size_t kPage = 4096;
constexpr size_t kRegion = 4 << 20;
constexpr size_t kHuge = 2 << 20;

const PatternSource kOwn{0, kRoleMain, 1};
PatternSource churner_source(uint16_t tag) {
  return {tag, static_cast<uint8_t>(kRoleProcess0 + 1), 1};
}

// Fills with lanes of src's xmm registers: every word decodes to its owner.
void fill_pattern(uint8_t* p, size_t len, const PatternSource& src) {
  for (size_t w = 0; w + 8 <= len; w += 8) {
    const uint64_t v = encode_lane(src, ComponentId::kSse, (w / 16) % 16, (w / 8) % 2);
    std::memcpy(p + w, &v, 8);
  }
}

constexpr int kHugetlbFlags = MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);  // 2 MiB pages

// huge: churn 2 MiB pages of the hugetlb pool, which normal pages never come from. The pool may
// be too small for both of us at a moment; the churner then waits for the case's pages.
// *churned counts the bytes it filled and freed (shared with the case).
pid_t start_churner(uint16_t tag, bool huge, uint64_t* churned) {
  const pid_t pid = fork_tied_to_parent();
  if (pid != 0) return pid;
  const PatternSource src = churner_source(tag);
  const size_t len = huge ? size_t{2} << 20 : size_t{1} << 20;
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (huge ? kHugetlbFlags : 0);
  for (;;) {
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) {
      if (!huge) _exit(1);
      usleep(200);
      continue;
    }
    fill_pattern(static_cast<uint8_t*>(p), len, src);
    munmap(p, len);
    __atomic_add_fetch(churned, len, __ATOMIC_RELAXED);
  }
}

void stop_churner(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

struct Check {
  CaseResult& r;
  const FaultSpec& fault;
  uint64_t fault_value = 0;  // what --inject-fault leaves in the first region checked
  bool fault_shown = false;
  uint64_t regions = 0;
  // Why the source cannot be checked here (a skip), or why the check itself broke (an error).
  std::string skip, error;
  // Reports a region that should be zero and is not.
  void zero(const uint8_t* p, size_t len, const std::string& what) {
    ++regions;
    // The mutation test: one word in the middle (off a page start), as a page the kernel
    // handed over unzeroed from the churner (leak) or with one bit set (bitflip); it is cleared
    // again once checked, so that it shows once.
    uint8_t* faulted = nullptr;
    if (fault_value) {
      faulted = const_cast<uint8_t*>(p) + ((len / 2 + 64) & ~size_t{7});
      std::memcpy(faulted, &fault_value, 8);
      fault_value = 0;
      fault_shown = true;
    }
    const ZeroCheck z = check_zero(p, len);
    if (faulted) std::memset(faulted, 0, 8);
    if (z.zero()) return;
    r.findings.push_back({"alloc.not_zero",
                          fmt::format("{}: {}", what, describe_zero_check(z, len)), "all zero",
                          fmt::format("{} non-zero bytes", z.nonzero_bytes)});
  }
};

uint8_t* map_anon(size_t len) {
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

// One word written per page (or per huge page): the write faults a fresh page in, which the
// kernel must have zeroed; the word is cleared again before the check.
void touch_each(uint8_t* p, size_t len, size_t stride) {
  for (size_t at = 0; at < len; at += stride) {
    reinterpret_cast<volatile uint8_t*>(p)[at] = 1;
    reinterpret_cast<volatile uint8_t*>(p)[at] = 0;
  }
}

bool check_mmap(Check& c) {
  uint8_t* p = map_anon(kRegion);
  if (!p) return false;
  c.zero(p, kRegion, "fresh anonymous mmap, read before any write");
  touch_each(p, kRegion, kPage);
  c.zero(p, kRegion, "fresh anonymous mmap after a write to each page");
  munmap(p, kRegion);
  return true;
}

bool check_thp(Check& c) {
  uint8_t* raw = map_anon(kRegion + kHuge);
  if (!raw) return false;
  uint8_t* p = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(raw) + kHuge - 1) &
                                          ~(uintptr_t{kHuge} - 1));
  if (madvise(p, kRegion, MADV_HUGEPAGE) != 0) {
    c.skip = fmt::format("madvise(MADV_HUGEPAGE): {} (no transparent huge pages here)",
                         std::strerror(errno));
    munmap(raw, kRegion + kHuge);
    return false;
  }
  touch_each(p, kRegion, kHuge);
  c.zero(p, kRegion, "MADV_HUGEPAGE region after one write per 2 MiB");
  munmap(raw, kRegion + kHuge);
  return true;
}

bool check_hugetlb(Check& c) {
  void* p = MAP_FAILED;
  // The churner holds one pool page at a time: wait for it rather than skip.
  for (unsigned attempt = 0; attempt < 200 && p == MAP_FAILED; ++attempt) {
    p = mmap(nullptr, kRegion, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | kHugetlbFlags,
             -1, 0);
    if (p == MAP_FAILED && errno != ENOMEM) break;
    if (p == MAP_FAILED) usleep(500);
  }
  if (p == MAP_FAILED) {
    c.skip = fmt::format(
        "mmap(MAP_HUGETLB, 4 MiB of 2 MiB pages): {}; this source needs 3 free huge pages "
        "(sysctl vm.nr_hugepages=8)",
        std::strerror(errno));
    return false;
  }
  uint8_t* h = static_cast<uint8_t*>(p);
  touch_each(h, kRegion, kHuge);
  c.zero(h, kRegion, "MAP_HUGETLB region after one write per 2 MiB page");
  munmap(p, kRegion);
  return true;
}

// Why a case skips on a kernel without madvise(2).
std::string madvise_missing(const char* advice) {
  return fmt::format("madvise({}): {} (a kernel built without CONFIG_ADVISE_SYSCALLS)", advice,
                     std::strerror(ENOSYS));
}

bool check_dontneed(Check& c) {
  uint8_t* p = map_anon(kRegion);
  if (!p) return false;
  fill_pattern(p, kRegion, kOwn);
  if (madvise(p, kRegion, MADV_DONTNEED) != 0) {
    // A kernel built without CONFIG_ADVISE_SYSCALLS has no madvise at all: the platform lacks
    // the call, as free's case skips on a kernel without MADV_FREE.
    if (errno == ENOSYS)
      c.skip = madvise_missing("MADV_DONTNEED");
    else
      c.error = fmt::format("madvise(MADV_DONTNEED): {}", std::strerror(errno));
    munmap(p, kRegion);
    return false;
  }
  c.zero(p, kRegion, "private anonymous memory after MADV_DONTNEED");
  munmap(p, kRegion);
  return true;
}

bool check_free(Check& c) {
  uint8_t* p = map_anon(kRegion);
  if (!p) return false;
  fill_pattern(p, kRegion, kOwn);
  if (madvise(p, kRegion, MADV_FREE) != 0) {
    c.skip = errno == ENOSYS
                 ? madvise_missing("MADV_FREE")
                 : fmt::format("madvise(MADV_FREE): {} (Linux 4.5 added it)", std::strerror(errno));
    munmap(p, kRegion);
    return false;
  }
  // A page the kernel reclaimed reads as zero; one it kept holds our values. Anything else in
  // a page is someone else's.
  auto expected = std::make_unique<uint8_t[]>(kPage);
  for (size_t page = 0; page < kRegion; page += kPage) {
    // Our values at this page's offsets in the region.
    for (size_t w = 0; w < kPage; w += 8) {
      const size_t at = page + w;
      const uint64_t v = encode_lane(kOwn, ComponentId::kSse, (at / 16) % 16, (at / 8) % 2);
      std::memcpy(expected.get() + w, &v, 8);
    }
    if (std::memcmp(p + page, expected.get(), kPage) == 0) {
      ++c.regions;  // kept: checked, and fine
      continue;
    }
    c.zero(p + page, kPage,
           fmt::format("page {} after MADV_FREE (neither kept nor zeroed)", page / kPage));
  }
  munmap(p, kRegion);
  return true;
}

bool check_calloc_large(Check& c) {
  void* p = std::calloc(1, 8 << 20);
  if (!p) return false;
  c.zero(static_cast<uint8_t*>(p), 8 << 20, "calloc(8 MiB)");
  std::free(p);
  return true;
}

bool check_calloc_reused(Check& c) {
  constexpr size_t kSize = 96 << 10;
  void* old = std::malloc(kSize);
  if (!old) return false;
  fill_pattern(static_cast<uint8_t*>(old), kSize, kOwn);
  std::free(old);
  void* p = std::calloc(1, kSize);
  if (!p) return false;
  c.zero(static_cast<uint8_t*>(p), kSize,
         p == old ? "calloc(96 KiB) reusing a freed block" : "calloc(96 KiB)");
  std::free(p);
  return true;
}

bool check_fork_cow(Check& c) {
  uint8_t* p = map_anon(kRegion);
  auto* shared = map_shared<uint64_t>();
  if (!p || !shared) return false;
  touch_each(p, kRegion, kPage);  // the pages exist before the fork: copy-on-write after it
  const pid_t pid = fork_tied_to_parent();
  if (pid < 0) {
    c.error = fmt::format("fork: {}", std::strerror(errno));
    return false;
  }
  if (pid == 0) {
    // The child writes its pattern into the first half; the second half it only reads.
    fill_pattern(p, kRegion / 2, {0, static_cast<uint8_t>(kRoleProcess0 + 2), 1});
    const ZeroCheck z = check_zero(p + kRegion / 2, kRegion / 2);
    *shared = z.nonzero_bytes + 1;
    _exit(0);
  }
  std::string detail;
  const GrandchildEnd end = wait_for_grandchild(pid, 10000, &detail);
  if (end != GrandchildEnd::kExitedZero || *shared == 0) {
    c.error = "the fork-cow child " + (detail.empty() ? std::string("failed") : detail);
    return false;
  }
  if (*shared > 1)
    c.r.findings.push_back({"alloc.not_zero",
                            fmt::format("the child's untouched copy-on-write half holds {} "
                                        "non-zero bytes",
                                        *shared - 1),
                            "all zero", fmt::format("{} non-zero bytes", *shared - 1)});
  ++c.regions;
  c.zero(p, kRegion, "the parent's copy-on-write region after the child wrote its copy");
  munmap(p, kRegion);
  munmap(shared, sizeof(uint64_t));
  return true;
}

struct Source {
  const char* name;
  const char* what;
  // False when it could not check: Check::skip or Check::error says why (neither: an
  // allocation failed).
  bool (*check)(Check&);
  bool huge_churner = false;  // the churner frees hugetlb pool pages
};

constexpr Source kSources[] = {
    {"mmap", "fresh private anonymous mmap, read before and after a write to each page",
     check_mmap},
    {"thp", "a 4 MiB MADV_HUGEPAGE region faulted in with one write per 2 MiB", check_thp},
    {"hugetlb", "4 MiB of MAP_HUGETLB 2 MiB pages from the reserved pool, one write per page",
     check_hugetlb, true},
    {"dontneed", "memory filled with a pattern, then MADV_DONTNEED, read again", check_dontneed},
    {"free",
     "memory filled with a pattern, then MADV_FREE: each page keeps its values or reads zero",
     check_free},
    {"calloc-large", "calloc of 8 MiB (mapped fresh; glibc skips the memset)", check_calloc_large},
    {"calloc-reused", "calloc of 96 KiB right after freeing a pattern-filled block of that size",
     check_calloc_reused},
    {"fork-cow",
     "a region shared copy-on-write with a forked child that writes its own pattern into its "
     "copy: the parent's copy and the child's untouched pages stay zero",
     check_fork_cow},
};

void run_os_zero(const Source& s, const CaseContext& ctx, CaseResult& r) {
  if (ctx.fault.active &&
      (ctx.fault.kind == FaultKind::kZero || ctx.fault.kind == FaultKind::kGuard)) {
    return r.set_error(
        fmt::format("--inject-fault {} cannot show here: only leak and bitflip leave a "
                    "non-zero word in memory that must be zero",
                    ctx.fault.spec));
  }
  uint64_t* churned = map_shared<uint64_t>();
  if (!churned) {
    return r.set_error(fmt::format("mmap of the churner's counter: {}", std::strerror(errno)));
  }
  const pid_t churner = start_churner(seed_tag(ctx.seed), s.huge_churner, churned);
  Check c{r, ctx.fault};
  if (ctx.fault.active) {
    const ComponentDescriptor& comp = component(ctx.fault.component);
    const unsigned reg =
        ctx.fault.field >= 0 ? fields_of(comp, ctx.machine)[ctx.fault.field].reg : 0;
    c.fault_value = ctx.fault.kind == FaultKind::kLeak
                        ? encode_lane(churner_source(seed_tag(ctx.seed)), comp.id, reg, 0)
                        : uint64_t{1} << 44;
  }
  for (unsigned round = 0; round < kRounds; ++round) {
    if (s.check(c)) continue;
    stop_churner(churner);
    r.status = c.skip.empty() ? Status::kError : Status::kSkip;
    r.reason = !c.skip.empty()    ? c.skip
               : !c.error.empty() ? c.error
                                  : fmt::format("allocation failed: {}", std::strerror(errno));
    return;
  }
  stop_churner(churner);
  r.facts["churned_mib"] = __atomic_load_n(churned, __ATOMIC_RELAXED) >> 20;
  munmap(churned, sizeof(uint64_t));
  if (ctx.fault.active && !c.fault_shown) {
    return r.set_error(
        fmt::format("--inject-fault {} cannot show here: this source checks only pages "
                    "that differ from what it wrote",
                    ctx.fault.spec));
  }
  r.injections = c.regions;
  r.facts["regions_checked"] = c.regions;
  r.set_verdict();
}

}  // namespace

std::vector<CaseDescriptor> os_zero_cases() {
  std::vector<CaseDescriptor> cases;
  for (const Source& s : kSources) {
    CaseDescriptor d;
    d.id = fmt::format("alloc/os-zero/{}", s.name);
    d.description = fmt::format(
        "{} must read all zero, {} times, while another process fills pages with its pattern "
        "and frees them",
        s.what, kRounds);
    d.transition = "alloc/os-zero";
    d.handler = "none";
    d.injector = "a churning process freeing pattern-filled pages";
    d.routine = "none";
    d.applicable = [](const Machine&) { return Availability::yes(); };
    const Source* src = &s;
    d.run = [src](const CaseContext& ctx, CaseResult& r) { run_os_zero(*src, ctx, r); };
    cases.push_back(std::move(d));
  }
  return cases;
}

}  // namespace sigctx
