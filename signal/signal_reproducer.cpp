// The signal family's part of a reproducer (engine/reproducer.h): the driver in C, as
// signal_case_engine.cpp runs a case, and the plan each case descriptor carries. A transition
// supplies its hooks (SignalTransition::reproducer_hooks).
#include "signal/signal_reproducer.h"

#include <fmt/format.h>

#include "engine/case_support.h"
#include "xstate/component_registry.h"

namespace sigctx {

const char* const kSignalDriver = R"C(
/* ---- The signal driver (sigctx's signal/signal_case_engine.cpp). Per iteration the
 * interrupted code's values are held across one delivery whose handler loads its own values
 * into every register before it returns; then what came back is compared. The transition's
 * hooks, below the driver, say how the signal is fired and what the handler does first. ---- */
static struct transition tr;
static volatile int level, delivered, spin_flag, trouble;
static void set_up(struct sigaction *sa); /* once, before the handler is installed */
static void arm(void);                    /* before each hold: sets tr */
static void disarm(void);                 /* after each hold */
/* First thing in the handler; returns whether this delivery interrupted the hold. */
static int on_entry(int lv, ucontext_t *uc, uint8_t *xs);

__attribute__((unused)) static const int greg_of[NGPR] = {REG_RBX, REG_RBP, REG_R8,  REG_R9, REG_R10,
                                  REG_R12, REG_R13, REG_R14, REG_R15};

/* The frame's XSAVE area, or NULL when its software-reserved bytes lack FP_XSTATE_MAGIC1. */
static uint8_t *frame_xsave(ucontext_t *uc) {
  uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
  uint32_t magic1;
  memcpy(&magic1, fp + 464, 4);
  return magic1 == 0x46505853 ? fp : NULL;
}

/* A frame without an XSAVE area: counted against the platform, said once per delivery. */
__attribute__((unused)) static int no_xsave_area(void) {
  printf("  the signal frame has no XSAVE area (FP_XSTATE_MAGIC1 missing)\n");
  trouble++;
  return 1;
}

__attribute__((unused)) static void arm_tgkill(int signo) {
  tr = (struct transition){SYS_tgkill, {getpid(), syscall(SYS_gettid), signo}, 1, NULL};
}

static void handler(int sig, siginfo_t *si, void *ucv) {
  (void)sig, (void)si;
  ucontext_t *uc = ucv;
  const int lv = ++level, own = lv == 1 ? HANDLER1 : HANDLER2;
  uint8_t *xs = frame_xsave(uc);
#if defined(SIGCTX_EMULATE) && defined(EMULATE_ON_ENTRY)
  emulate_on_entry(lv, uc, xs); /* the catalog bug, as the kernel would have written the frame */
#endif
  const int counted = on_entry(lv, uc, frame_xsave(uc)); /* magic1 as the handler sees it */
  (void)xs;
  load_role(own); /* the irritating handler: its own value in every register */
#ifdef SIGCTX_INJECT_FAULT
  if (lv == FAULT_LEVEL && counted && xs) {
    uint64_t g[NGPR + 1]; /* GS base is not in the frame: the fault sets the register itself */
    for (int i = 0; i < NGPR; i++) g[i] = uc->uc_mcontext.gregs[greg_of[i]];
    syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &g[NGPR]);
    inject_fault(xs, g, img[own], gpr[own]);
    for (int i = 0; i < NGPR; i++) uc->uc_mcontext.gregs[greg_of[i]] = g[i];
    if (rows[FAULT_ROW].codec == SEGBASE) syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, g[NGPR]);
  }
#endif
#if defined(SIGCTX_EMULATE) && defined(EMULATE_ON_RETURN)
  if (counted) emulate_on_return(lv, uc, xs); /* the catalog bug, as its sigreturn would read */
#endif
  if (lv == 1 && counted && ++delivered >= PER_HOLD) spin_flag = 1;
  level--;
}

/* One hold: 0 the state came back, 1 it did not, 2 the signals never arrived. */
static int one_hold(int n) {
  delivered = trouble = 0;
  arm();
  hold(MAIN, &tr);
  disarm();
  if (delivered < PER_HOLD) {
    printf("  hold %d of %d: %d of %d signals arrived while the state was held\n", n, ITERATIONS,
           delivered, PER_HOLD);
    return 2;
  }
  char where[80];
  snprintf(where, sizeof where, "after sigreturn (hold %d of %d, %d signal%s)", n, ITERATIONS,
           PER_HOLD, PER_HOLD > 1 ? "s" : "");
  return compare(got, got_gpr, EXPECT, EXPECT_INIT, where) + trouble ? 1 : 0;
}

static int run_case(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  set_up(&sa);
  if (sigaction(SIGNO, &sa, NULL)) return perror("sigaction"), 2;
  for (int n = 1; n <= ITERATIONS; n++) {
#ifdef SIGSEGV_ALLOWED /* each delivery in a child, since the kernel may refuse the frame */
    pid_t pid = fork();
    if (pid == 0) _exit(one_hold(n));
    int st, rc;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) {
      printf("  delivery %d: SIGSEGV, the kernel refused the frame (allowed)\n", n);
      continue;
    }
    rc = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
#else
    int rc = one_hold(n);
#endif
    if (rc) return rc;
  }
  return 0;
}

/* ---- The transition's hooks (sigctx's signal/transitions/). ---- */
)C";

ReproducerPlan signal_reproducer(const SignalTransition& t, const SignalVariant& v) {
  ReproducerPlan p;
  const ReproducerHooks hooks = t.reproducer_hooks();
  if (!hooks.code) {
    p.unsupported = fmt::format("signal/{} has no reproducer hooks yet", t.name());
    return p;
  }
  if (t.needs_frame() && v.components && !in_signal_frame(v.components)) {
    p.unsupported =
        fmt::format("signal/{} checks the frame, which does not hold {}", t.name(), v.name);
    return p;
  }
  if (v.mixed || v.shape != Shape::kLanes) {
    p.unsupported = fmt::format("variant {}: reproducers load lane patterns only, not the {} shape",
                                v.name, v.mixed ? "mixed" : shape_name(v.shape));
    return p;
  }
  p.macros = hooks.macros;
  p.driver = kSignalDriver;
  p.hooks = hooks.code;
  p.emulation_points = "EMULATE_ON_ENTRY EMULATE_ON_RETURN";
  p.what = fmt::format("signal/{}: {}", t.name(), t.what());
  p.checked = v.components;
  if (t.needs_frame() && v.components == 0) {  // every component the frame holds
    for (const ComponentDescriptor* c : all_components())
      if (c->in_signal_frame && reproducer_component_gap(component_bit(c->id)).empty())
        p.checked |= component_bit(c->id);
    p.available_only = true;
  }
  p.iterations = kSignalIterations;
  return p;
}

}  // namespace sigctx
