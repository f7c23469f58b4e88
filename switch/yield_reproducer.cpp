// switch/yield as a standalone reproducer (engine/reproducer.h).
#include "switch/yield_reproducer.h"

#include <fmt/format.h>

namespace sigctx {

namespace {

constexpr const char* kYieldDriver = R"C(
#include <pthread.h>
#include <sched.h>
/* ---- switch/yield (sigctx's engine/switch_case_engine.cpp): the process is pinned to one CPU,
 * where a sibling thread holds thread 1's values (and, every other turn, the init values) in
 * every register, GS base included, and yields. The state is held across YIELDS sched_yield calls; the sibling's
 * turns in between prove the kernel switched. With SIGCTX_INJECT_FAULT, one register takes
 * thread 1's value after the hold. ---- */
#define YIELDS 64
static volatile int stop;
static volatile long turns;
static void *sibling(void *arg) {
  uint8_t *mine = aligned_alloc(64, xsave_bytes);
  uint64_t mine_gpr[NGPR + 1];
  (void)arg;
  while (!stop) {
    struct transition tr = {SYS_sched_yield, {0}, 1, NULL};
    memset(mine, 0, xsave_bytes);
    if (HAS_GSBASE) syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, turns & 1 ? 0 : gpr[OTHER][NGPR]);
    live_transition(img[turns & 1 ? INIT : OTHER], mine, gpr[OTHER], mine_gpr, &tr);
    turns++;
  }
  return NULL;
}

static int run_case(void) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  if (sched_setaffinity(0, sizeof one, &one)) return perror("sched_setaffinity"), 2;
  pthread_t th;
  if (pthread_create(&th, NULL, sibling, NULL)) return printf("  no sibling thread\n"), 2;
  int rc = 0;
  for (int n = 1; n <= ITERATIONS && !rc; n++) {
    struct transition tr = {SYS_sched_yield, {0}, YIELDS, NULL};
    const long before = turns;
    hold(MAIN, &tr);
    const long switched = turns - before;
#ifdef SIGCTX_INJECT_FAULT
    inject_fault(got, got_gpr, img[OTHER], gpr[OTHER]);
#endif
#if defined(SIGCTX_EMULATE) && defined(EMULATE_AFTER_SWITCH)
    emulate_after_switch(got, got_gpr);
#endif
    char where[96];
    snprintf(where, sizeof where, "after %d yields (hold %d of %d, %ld sibling turns)", YIELDS, n,
             ITERATIONS, switched);
    if (compare(got, got_gpr, MAIN, 0, where)) rc = 1;
    else if (switched == 0) printf("  hold %d: the sibling never ran: no switch to check\n", n), rc = 2;
  }
  stop = 1;
  pthread_join(th, NULL);
  return rc;
}
)C";

}  // namespace

ReproducerPlan yield_reproducer(const SwitchVariant& v) {
  return variant_reproducer(v, "switch/yield/" + v.name, kYieldDriver, "EMULATE_AFTER_SWITCH");
}

}  // namespace sigctx
