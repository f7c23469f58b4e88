// process/fork as a standalone reproducer (engine/reproducer.h).
#include "process/fork_reproducer.h"

#include <fmt/format.h>

namespace sigctx {

namespace {

constexpr const char* kForkDriver = R"C(
/* ---- process/fork (sigctx's process/fork_case.cpp): the state is held across a raw fork
 * system call; the child and the parent each compare what they hold afterwards. With
 * SIGCTX_INJECT_FAULT, one register takes thread 1's value right after the fork, in both. ---- */
static int run_case(void) {
  for (int n = 1; n <= ITERATIONS; n++) {
    struct transition tr = {SYS_fork, {0}, 1, NULL};
    const long pid = hold(MAIN, &tr);
    if (pid < 0) return printf("  fork failed: %s\n", strerror((int)-pid)), 2;
#ifdef SIGCTX_INJECT_FAULT
    inject_fault(got, got_gpr, img[OTHER], gpr[OTHER]);
#endif
#if defined(SIGCTX_EMULATE) && defined(EMULATE_AFTER_SWITCH)
    emulate_after_switch(got, got_gpr);
#endif
    char where[64];
    snprintf(where, sizeof where, "in the %s after fork %d of %d", pid ? "parent" : "child", n,
             ITERATIONS);
    const int bad = compare(got, got_gpr, MAIN, 0, where);
    if (pid == 0) _exit(bad ? 1 : 0);
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
      return printf("  the child ended abnormally (wait status %#x)\n", st), 2;
    if (bad || WEXITSTATUS(st)) return 1;
  }
  return 0;
}
)C";

}  // namespace

ReproducerPlan fork_reproducer(const SwitchVariant& v) {
  return variant_reproducer(v, "process/fork/" + v.name, kForkDriver, "EMULATE_AFTER_SWITCH");
}

}  // namespace sigctx
