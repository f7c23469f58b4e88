// ptrace/read and ptrace/write as standalone reproducers (engine/reproducer.h).
#include "ptrace/ptrace_reproducer.h"

#include <fmt/format.h>

namespace sigctx {

namespace {

constexpr const char* kPtraceDriver = R"C(
#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
/* ---- ptrace (sigctx's ptrace/ptrace_case.cpp): a traced child holds the state and stops at an
 * int3 inside the hold. The tracer compares what PTRACE_GETREGS and PTRACE_GETREGSET
 * NT_X86_XSTATE show; with TRACER_WRITES it then writes the frame edit's values (SETREGS,
 * SETREGSET), and the child, continued, must hold exactly them. With SIGCTX_INJECT_FAULT, one
 * register of what the tracer reads (or writes) takes thread 1's value. ---- */

static void tracee(void) {
  ptrace(PTRACE_TRACEME, 0, NULL, NULL);
  raise(SIGSTOP);
  struct transition tr = {0, {0}, -1, NULL}; /* int3 */
  hold(MAIN, &tr);
  _exit(compare(got, got_gpr, TRACER_WRITES ? EDIT : MAIN, 0,
                TRACER_WRITES ? "in the tracee after the tracer's write" : "in the tracee")
            ? 1 : 0);
}

/* The tracer's side of one stop; returns how many registers differ. */
static int trace(pid_t pid, int n) {
  struct user_regs_struct regs;
  uint8_t *xs = aligned_alloc(64, xsave_bytes);
  struct iovec iov = {xs, xsave_bytes};
  uint64_t g[NGPR + 1];
  memset(xs, 0, xsave_bytes);
  if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) || ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov))
    return perror("PTRACE_GETREGS/GETREGSET"), 1;
  for (int i = 0; i < NGPR + 1; i++) g[i] = ((uint64_t *)&regs)[user_reg_of[i]];
  normalise(xs);
#ifdef SIGCTX_INJECT_FAULT
  if (!TRACER_WRITES) inject_fault(xs, g, img[OTHER], gpr[OTHER]);
#endif
  char where[64];
  snprintf(where, sizeof where, "in the tracer's view (stop %d of %d)", n, ITERATIONS);
  int bad = compare(xs, g, MAIN, 0, where);
  if (TRACER_WRITES) {
    put_role(xs, g, EDIT);
#ifdef SIGCTX_INJECT_FAULT
    inject_fault(xs, g, img[OTHER], gpr[OTHER]);
#endif
    for (int i = 0; i < NGPR + 1; i++) ((uint64_t *)&regs)[user_reg_of[i]] = g[i];
    iov.iov_len = xsave_bytes;
    if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) || ptrace(PTRACE_SETREGSET, pid, NT_X86_XSTATE, &iov))
      return perror("PTRACE_SETREGS/SETREGSET"), bad + 1;
  }
  free(xs);
  return bad;
}

static int run_case(void) {
  for (int n = 1; n <= ITERATIONS; n++) {
    int st, bad;
    pid_t pid = fork();
    if (pid == 0) tracee();
    waitpid(pid, &st, 0); /* SIGSTOP */
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    waitpid(pid, &st, 0);
    if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP) {
      printf("  the tracee did not stop at its int3 (wait status %#x)\n", st);
      kill(pid, SIGKILL);
      return 2;
    }
    bad = trace(pid, n);
    ptrace(PTRACE_CONT, pid, NULL, NULL);
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st)) return printf("  the tracee ended abnormally (wait status %#x)\n", st), 2;
    if (bad || WEXITSTATUS(st)) return 1;
  }
  return 0;
}
)C";

}  // namespace

ReproducerPlan ptrace_reproducer(const SwitchVariant& v, bool writes) {
  ReproducerPlan p;
  p.macros = fmt::format("#define TRACER_WRITES {}\n", writes ? 1 : 0);
  p.driver = kPtraceDriver;
  p.what = fmt::format("ptrace/{}/{}: {}", writes ? "write" : "read", v.name, held_description(v));
  p.checked = v.components;
  return p;
}

}  // namespace sigctx
