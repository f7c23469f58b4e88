#include "runners/profiles.h"

#include <fmt/format.h>

namespace sigctx {

namespace {

double fact(const CaseResult& r, const char* key) {
  const auto it = r.facts.find(key);
  return it != r.facts.end() && it->is_number() ? it->get<double>() : 0;
}

// What a Go runtime author asks: how fast does memclr zero memory while SIGURG preempts it,
// how many preemptions landed inside it, and did any "zeroed" memory come back non-zero.
std::string summarize_go_preempt(const CaseResult& r) {
  std::string s = fmt::format(
      "go-preempt: memclr zeroed {:.1f} GiB in {:.1f} s under a SIGURG storm, in {:.0f}-byte "
      "slices of a {:.0f} MiB heap each dirtied before and checked after: {:.2f} GiB/s, {:.2f}x "
      "the {:.2f} GiB/s without signals; {:.0f} SIGURG delivered "
      "({:.0f}/s), {:.0f} of them inside memclr.",
      fact(r, "zeroed_gib"), fact(r, "seconds"), fact(r, "slice_bytes"), fact(r, "heap_mib"),
      fact(r, "throughput_gib_s"), fact(r, "throughput_under_storm_ratio"),
      fact(r, "baseline_throughput_gib_s"), fact(r, "sigurg_delivered"), fact(r, "sigurg_per_s"),
      fact(r, "sigurg_in_memclr"));
  switch (r.status) {
    case Status::kPass:
      return s +
             " Corruption: none; every slice came back zero and every register as without "
             "signals.";
    case Status::kFail:
    case Status::kXfail:
      return s + fmt::format(" CORRUPTION: {}", r.reason);
    default:
      return s + fmt::format(" Not measured: {}", r.reason);
  }
}

}  // namespace

const std::vector<Profile>& profiles() {
  static const std::vector<Profile> all = {
      {"go-preempt",
       "Go's AVX2 memclr sweeping a 64 MiB heap while a sibling thread preempts it with SIGURG, "
       "as Go's asynchronous preemption does (go#35326, illumos-15254): zeroing throughput, "
       "signals delivered, and any corruption",
       {"alloc/go-preempt/memclr"},
       10,
       summarize_go_preempt},
  };
  return all;
}

const Profile* find_profile(const std::string& name) {
  for (const Profile& p : profiles())
    if (name == p.name) return &p;
  return nullptr;
}

std::string profile_names() {
  std::string s;
  for (const Profile& p : profiles())
    s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s;
}

}  // namespace sigctx
