#include "runners/kernel_bisect.h"

#include <set>

#include "runners/commands.h"

namespace sigctx {

BisectSearch bisect_first_bad(size_t n, const std::function<int(size_t)>& test) {
  BisectSearch s;
  auto run = [&](size_t i) {
    s.tested.push_back(i);
    return test(i);
  };
  size_t good = 0, bad = n - 1;
  // Both ends are tested before the search trusts them: newest first, the likelier to fail.
  s.newest = run(bad);
  if (s.newest >= kExitBisectAbort) return s;
  s.oldest = run(good);
  if (s.oldest >= kExitBisectAbort) return s;
  if (s.newest != kExitFail || s.oldest != kExitOk) {
    s.verdict = BisectSearch::Verdict::kNothingToBisect;
    return s;
  }
  std::set<size_t> skipped;
  while (bad - good > 1) {
    // The untested kernel nearest the middle of what is left.
    const size_t mid = good + (bad - good) / 2;
    size_t pick = bad;
    for (size_t d = 0; d < bad - good && pick == bad; ++d)
      for (size_t k : {mid - d, mid + d})
        if (k > good && k < bad && !skipped.count(k) && pick == bad) pick = k;
    if (pick == bad) {
      s.verdict = BisectSearch::Verdict::kAmbiguous;
      s.last_good = good;
      s.first_bad = bad;
      return s;
    }
    const int status = run(pick);
    if (status >= kExitBisectAbort) return s;
    if (status == kExitBisectSkip)
      skipped.insert(pick);
    else if (status == kExitOk)
      good = pick;
    else
      bad = pick;
  }
  s.verdict = BisectSearch::Verdict::kFound;
  s.last_good = good;
  s.first_bad = bad;
  return s;
}

}  // namespace sigctx
