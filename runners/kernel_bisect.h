// The search behind `sigctx matrix --bisect`: the first bad kernel in a list ordered oldest
// first, by halving, as git bisect does across commits. Kernels that cannot be tested (a boot
// failure: 125) are stepped over, as `git bisect skip` does.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace sigctx {

struct BisectSearch {
  enum class Verdict {
    kFound,            // first_bad is the first bad kernel, last_good the one before it tested good
    kNothingToBisect,  // the newest is not bad, or the oldest is not good (see oldest, newest)
    kAmbiguous,        // untestable kernels leave last_good + 1 .. first_bad
    kAborted,          // a test said 128 or more
  } verdict = Verdict::kAborted;
  size_t last_good = 0, first_bad = 0;
  int oldest = -1, newest = -1;  // the ends' statuses
  std::vector<size_t> tested;    // in the order they were tested
};

// test(i): 0 good, 1 bad, 125 cannot be tested, 128 or more aborts. n >= 2.
BisectSearch bisect_first_bad(size_t n, const std::function<int(size_t)>& test);

}  // namespace sigctx
