// The C every reproducer shares: the XSAVE layout from CPUID, the lane-unique patterns, the
// comparison and its classification, the fault define and the assembly that holds the state
// across a transition. It mirrors xstate/pattern.h, xstate/classify.cpp and engine/fault.cpp in
// plain C, so a maintainer can read it without the suite; the register table it walks comes
// from the component descriptors (reproducer.cpp).
#include "engine/reproducer.h"

namespace sigctx {

const char* const kReproducerPrelude = R"C(
/* The pattern of a lane: it names its writer, so a wrong value says where it came from.
 * 63..52 0x5ac | 51..40 seed tag | 39..32 role | 31..24 generation | component | register | lane */
static uint64_t lane_value(int role, int comp, int reg, int lane) {
  return 0x5acull << 52 | (uint64_t)SEED_TAG << 40 | (uint64_t)role_byte[role] << 32 |
         (uint64_t)GENERATION << 24 | (uint64_t)comp << 16 | (uint64_t)reg << 8 | (uint64_t)lane;
}
/* A segment base must be a canonical user address: 46..40 0x2c | role | generation | ... */
static uint64_t canonical_value(int role, int comp, int reg) {
  return 0x2cull << 40 | (uint64_t)role_byte[role] << 32 | (uint64_t)GENERATION << 24 |
         (uint64_t)comp << 16 | (uint64_t)reg << 8;
}

/* The standard-format XSAVE layout this CPU and kernel use (CPUID leaf 0xd, XCR0). */
static uint64_t xcr0;
static unsigned xoff[64], xsz[64], xsave_bytes;

static int present(const struct regs *r) {
  return r->codec >= GPR || (xcr0 >> r->xfeature & 1);
}

/* 77 (the automake "skip" status) when the CPU or the kernel lacks a checked component. */
static int probe(void) {
  unsigned a, b, c, d;
  __cpuid(1, a, b, c, d);
  if (!(c & (1u << 27))) return printf("SKIP %s: the OS did not enable XSAVE\n", CASE_ID), 77;
  __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
  xcr0 = a | (uint64_t)d << 32;
  __cpuid_count(0xd, 0, a, b, c, d);
  xsave_bytes = (b + 63) & ~63u;
  for (int i = 2; i < 64; i++)
    if (xcr0 >> i & 1) __cpuid_count(0xd, i, xsz[i], xoff[i], c, d);
  for (size_t i = 0; i < NROWS; i++) /* EVERY_COMPONENT: those this CPU has */
    if (!EVERY_COMPONENT && (CHECKED >> rows[i].comp & 1) && !present(&rows[i]))
      return printf("SKIP %s: XCR0 %#llx lacks XSAVE component %d (%s)\n", CASE_ID,
                    (unsigned long long)xcr0, rows[i].xfeature, rows[i].component), 77;
  return 0;
}

static uint8_t *slot(uint8_t *xs, uint64_t *gpr, const struct regs *r, int i) {
  return r->codec >= GPR ? (uint8_t *)&gpr[r->offset] : xs + xoff[r->xfeature] + r->offset + i * r->stride;
}

/* Writes a role's values into every register the CPU has: an XSAVE image plus the GPRs
 * live_transition loads. INIT gives each register its init value. */
static void fill(uint8_t *xs, uint64_t *gpr, int role) {
  memset(xs, 0, xsave_bytes);
  memset(gpr, 0, (NGPR + 1) * sizeof *gpr);
  const uint32_t fcw = 0x37f, mxcsr = 0x1f80; /* exceptions masked unless a row says otherwise */
  memcpy(xs, &fcw, 2), memcpy(xs + 24, &mxcsr, 4);
  uint64_t bv = 0;
  for (size_t k = 0; k < NROWS; k++) {
    const struct regs *r = &rows[k];
    if (!present(r)) continue;
    if (r->codec < GPR) bv |= 1ull << r->xfeature;
    for (int i = 0; i < r->count; i++) {
      uint8_t *p = slot(xs, gpr, r, i);
      if (role == INIT) {
        if (r->codec == NARROW) memcpy(p, &r->init, r->size);
        continue;
      }
      if (r->codec == NARROW) {
        memcpy(p, &r->value[role], r->size);
      } else if (r->codec == SEGBASE) {
        *(uint64_t *)p = canonical_value(role, r->comp, r->first_reg);
      } else if (r->codec == X87REG) {
        /* A normal number whose significand carries the pattern; the registers above the
         * role's stack depth stay empty. */
        if ((uint64_t)i >= r->value[role]) continue;
        uint64_t sig = lane_value(role, r->comp, r->first_reg + i, 0) | 1ull << 63;
        uint16_t se = (uint16_t)((i & 1) << 15 | (0x3f00 + GENERATION));
        memcpy(p, &sig, 8), memcpy(p + 8, &se, 2);
      } else {
        for (int l = 0; l * 8 < r->size; l++) {
          uint64_t v = lane_value(role, r->comp, r->first_reg + i, r->first_lane + l);
          memcpy(p + 8 * l, &v, r->size - 8 * l < 8 ? r->size - 8 * l : 8);
        }
      }
    }
  }
  memcpy(xs + 512, &bv, 8); /* XSTATE_BV: the components XRSTOR loads from the image */
}

/* XSAVE skips a component in its init state (XSTATE_BV bit clear) and leaves its part of the
 * buffer as it was: write the init values there, so the comparison sees what the CPU holds. */
static void normalise(uint8_t *xs) {
  uint64_t bv;
  memcpy(&bv, xs + 512, 8);
  if (!(bv & 1)) memset(xs, 0, 24), memset(xs + 32, 0, 128), xs[0] = 0x7f, xs[1] = 0x03; /* FCW */
  if (!(bv & 2)) memset(xs + 160, 0, 256);
  for (int i = 2; i < 64; i++)
    if ((xcr0 >> i & 1) && !(bv >> i & 1)) memset(xs + xoff[i], 0, xsz[i]);
}

/* "ymm7 lane 2 of handler level 1's pattern", for a value that carries the magic. */
static void describe(uint64_t v, char *out, size_t n) {
  int comp = v >> 16 & 0xff, reg = v >> 8 & 0xff;
  char name[24] = "a register";
  for (size_t k = 0; k < NROWS; k++)
    if (rows[k].comp == comp && reg >= rows[k].first_reg && reg < rows[k].first_reg + rows[k].count)
      snprintf(name, sizeof name, rows[k].name, reg);
  const char *writer = "an unknown role";
  for (int k = 0; k < NROLES; k++)
    if (role_byte[k] == (v >> 32 & 0xff)) writer = role_text[k];
  snprintf(out, n, "%s lane %d of %s's pattern", name, (int)(v & 0xff), writer);
}

/* Where a wrong lane came from (sigctx's xstate/classify.cpp): zeroed, init, handler (a signal
 * handler's value or a frame edit leaked in), foreign (another thread's, process's or run's),
 * stale (the value an edit should have replaced), misplaced (the right pattern in the wrong
 * register), bitflip (at most three bits off) or unknown. */
static const char *classify(const struct regs *r, int i, int lane, uint64_t want, uint64_t got,
                            int expect, char *src, size_t n) {
  src[0] = 0;
  if (got == 0) return "zeroed";
  if (r->codec == NARROW && got == (r->init & r->mask)) return "init";
  if (r->codec == NARROW && r->os_default && got == (r->os_default & r->mask))
    return snprintf(src, n, "Linux's default %s", r->component), "init";
  int role = -1, same_slot = 1;
  if (r->codec == NARROW) {
    for (int k = 0; k < INIT; k++)
      if (((r->value[k] ^ got) & r->mask) == 0 && role < 0) role = k;
    if (role >= 0) snprintf(src, n, "%s's %s", role_text[role], r->component);
  } else if (r->codec == SEGBASE) {
    if (got >> 40 == 0x2c) {
      for (int k = 0; k < INIT; k++)
        if (role_byte[k] == (got >> 32 & 0xff)) role = k;
      if (role >= 0) snprintf(src, n, "%s's %s", role_text[role], r->component);
    }
  } else {
    uint64_t v = r->codec == X87REG ? got & ~(1ull << 63) : got;
    if (v >> 52 == 0x5ac) {
      describe(v, src, n);
      if ((v >> 40 & 0xfff) != SEED_TAG) return "foreign";
      for (int k = 0; k < INIT; k++)
        if (role_byte[k] == (v >> 32 & 0xff)) role = k;
      same_slot = (int)(v >> 16 & 0xff) == r->comp && (int)(v >> 8 & 0xff) == r->first_reg + i &&
                  (r->codec == X87REG || (int)(v & 0xff) == r->first_lane + lane);
    }
  }
  if (role >= 0 && role != expect) {
    /* The value a frame edit, or a frame that asks for init state, should have replaced. */
    if ((expect == EDIT || expect == INIT) && role == MAIN && same_slot) return "stale";
    if (role == HANDLER1 || role == HANDLER2 || role == EDIT) return "handler";
    if (role == OTHER) return "foreign";
  }
  if (role == expect && !same_slot) return "misplaced";
  if (__builtin_popcountll(want ^ got) <= 3) return "bitflip";
  return "unknown";
}

/* Compares the checked components with a role's values (INIT for those in init_comps) and
 * prints one line per register that differs, naming its first wrong lane. Returns how many. */
static int compare(const uint8_t *xs, const uint64_t *gpr, int role, unsigned init_comps,
                   const char *where) {
  static uint8_t *want, *init;
  static uint64_t want_gpr[NGPR + 1], init_gpr[NGPR + 1];
  if (!want) want = aligned_alloc(64, xsave_bytes), init = aligned_alloc(64, xsave_bytes);
  fill(init, init_gpr, INIT);
  fill(want, want_gpr, role);
  int bad = 0;
  for (size_t k = 0; k < NROWS; k++) {
    const struct regs *r = &rows[k];
    if (!(CHECKED >> r->comp & 1) || !present(r)) continue;
    const int as_init = init_comps >> r->comp & 1, expect = as_init ? INIT : role;
    for (int i = 0; i < r->count; i++) {
      if (r->codec == X87REG && !as_init && (uint64_t)i >= r->value[role]) continue; /* empty */
      const uint8_t *g = slot((uint8_t *)xs, (uint64_t *)gpr, r, i);
      const uint8_t *w = as_init ? slot(init, init_gpr, r, i) : slot(want, want_gpr, r, i);
      for (int l = 0; l * 8 < r->size; l++) {
        uint64_t gv = 0, wv = 0;
        int nb = r->size - 8 * l < 8 ? r->size - 8 * l : 8;
        memcpy(&gv, g + 8 * l, nb), memcpy(&wv, w + 8 * l, nb);
        if (r->codec == NARROW) gv &= r->mask, wv &= r->mask;
        if (gv == wv) continue;
        char name[24], src[96];
        snprintf(name, sizeof name, r->name, r->first_reg + i);
        const char *cls = classify(r, i, l, wv, gv, expect, src, sizeof src);
        if (++bad <= 24)
          printf("  %s: %s%s %s: lane %d expected %#llx got %#llx  class %s%s%s%s\n",
                 r->component, name, r->bits, where, r->first_lane + l, (unsigned long long)wv,
                 (unsigned long long)gv, cls, *src ? " (" : "", src, *src ? ")" : "");
        break;
      }
    }
  }
  if (bad > 24) printf("  ... %d registers differ in all\n", bad);
  return bad;
}

#ifdef SIGCTX_INJECT_FAULT
/* The fault `sigctx run --inject-fault FAULT_SPEC` applies, for the test of this program
 * itself: the platform then deviates in FAULT_SPEC's register. LEAK copies `other`'s value,
 * BITFLIP flips one patterned bit, ZERO clears the register. */
static void inject_fault(uint8_t *xs, uint64_t *gpr, const uint8_t *other_xs, const uint64_t *other_gpr) {
  const struct regs *r = &rows[FAULT_ROW];
  for (int i = 0; i < r->count; i++) {
    if (FAULT_REGISTER >= 0 && i != FAULT_REGISTER) continue;
    uint8_t *p = slot(xs, gpr, r, i);
    const uint8_t *o = slot((uint8_t *)other_xs, (uint64_t *)other_gpr, r, i);
    static const uint8_t init[64];
    uint64_t v = 0, ov = 0, keep = r->codec == NARROW ? ~r->mask : 0;
    int nb = r->size < 8 ? r->size : 8;
    memcpy(&v, p, nb), memcpy(&ov, o, nb);
    if (r->size > 8 && FAULT_KIND != FAULT_BITFLIP) memcpy(p, FAULT_KIND == FAULT_LEAK ? o : init, r->size);
    else v = FAULT_KIND == FAULT_LEAK ? (v & keep) | (ov & ~keep) : FAULT_KIND == FAULT_ZERO ? v & keep : v ^ r->flip;
    if (r->size <= 8 || FAULT_KIND == FAULT_BITFLIP) memcpy(p, &v, nb);
  }
}
#endif

/* The state under test is live only inside live_transition, which is assembly: no code a
 * compiler generated runs between loading the values and storing them.
 *   XRSTOR `load`; the GPR values; the transition; store the GPRs; XSAVE `store`.
 * The transition is the system call tr->nr(tr->arg[0..2]), repeat times; repeat 0 spins until
 * *tr->flag is non-zero (a signal handler sets it); repeat -1 executes int3 (a tracer stops
 * it). Returns the last system call's result (fork: 0 in the child). */
struct transition {
  long nr, arg[3], repeat;
  volatile int *flag;
};
long live_transition(const void *load, void *store, const uint64_t *gpr_in, uint64_t *gpr_out,
                     struct transition *tr);
extern const char live_spin_begin[], live_spin_end[];
__asm__(".text\n.globl live_transition\n.type live_transition,@function\nlive_transition:\n"
        "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "  push %rsi; push %rcx; push %r8; push 32(%r8)\n" /* store, gpr_out, tr, repeat count */
        "  mov %rdx, %r11; mov $-1, %eax; mov $-1, %edx; xrstor (%rdi)\n"
        "  mov 0(%r11), %rbx; mov 8(%r11), %rbp; mov 16(%r11), %r8; mov 24(%r11), %r9\n"
        "  mov 32(%r11), %r10; mov 40(%r11), %r12; mov 48(%r11), %r13\n"
        "  mov 56(%r11), %r14; mov 64(%r11), %r15\n"
        "1: mov 8(%rsp), %r11; cmpq $0, 32(%r11); je 3f; cmpq $-1, 32(%r11); je 4f\n"
        "  mov 0(%r11), %rax; mov 8(%r11), %rdi; mov 16(%r11), %rsi; mov 24(%r11), %rdx\n"
        "  syscall; decq (%rsp); jnz 1b; jmp 5f\n"
        "3: mov 40(%r11), %rdi\n.globl live_spin_begin\nlive_spin_begin:\n"
        "2: cmpl $0, (%rdi); je 2b\n.globl live_spin_end\nlive_spin_end:\n  jmp 5f\n"
        "4: int3\n"
        "5: mov 16(%rsp), %r11; mov %rbx, 0(%r11); mov %rbp, 8(%r11); mov %r8, 16(%r11)\n"
        "  mov %r9, 24(%r11); mov %r10, 32(%r11); mov %r12, 40(%r11); mov %r13, 48(%r11)\n"
        "  mov %r14, 56(%r11); mov %r15, 64(%r11); mov %rax, %r10\n"
        "  mov 24(%rsp), %rdi; mov $-1, %eax; mov $-1, %edx; xsave (%rdi)\n"
        /* Back to a state C code may run in: x87 empty, MXCSR's default. */
        "  fninit; movl $0x1f80, (%rsp); ldmxcsr (%rsp); mov %r10, %rax; add $32, %rsp\n"
        "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx; ret\n"
        ".size live_transition, .-live_transition\n");

/* Each role's values, as an XSAVE image and GPRs, and the buffers a transition stores into. */
static uint8_t *img[NROLES + 1], *got;
/* The held GPRs, then GS base (index NGPR), which C code leaves alone: glibc does not use it. */
static uint64_t gpr[NROLES + 1][NGPR + 1], got_gpr[NGPR + 1];

static void make_images(void) {
  for (int k = 0; k <= INIT; k++) {
    img[k] = aligned_alloc(64, xsave_bytes);
    fill(img[k], gpr[k], k);
  }
  got = aligned_alloc(64, xsave_bytes);
}

/* Loads a role's vector state (XRSTOR), as a signal handler or sibling does to irritate. */
__attribute__((unused)) static void load_role(int role) {
  __asm__ volatile("xrstor (%0)" : : "r"(img[role]), "a"(-1), "d"(-1) : "memory");
}

/* One held transition: clears `got`, runs it, fills in what XSAVE skipped. */
static long hold(int role, struct transition *tr) {
  memset(got, 0, xsave_bytes);
  if (HAS_GSBASE) syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, gpr[role][NGPR]);
  long rc = live_transition(img[role], got, gpr[role], got_gpr, tr);
  if (HAS_GSBASE) syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &got_gpr[NGPR]);
  normalise(got);
  return rc;
}
)C";

const char* const kReproducerPutRole = R"C(
/* Writes a role's values of the checked components into an XSAVE area (setting their XSTATE_BV
 * bits) and into GPRs: a frame edit, or what a tracer writes. */
static void put_role(uint8_t *xs, uint64_t *g, int role) {
  uint64_t bv;
  memcpy(&bv, xs + 512, 8);
  for (size_t k = 0; k < NROWS; k++) {
    const struct regs *r = &rows[k];
    if (!(CHECKED >> r->comp & 1) || !present(r)) continue;
    if (r->codec >= GPR) g[r->offset] = gpr[role][r->offset];
    else memcpy(slot(xs, NULL, r, 0), slot(img[role], NULL, r, 0), (r->count - 1) * r->stride + r->size);
    if (r->codec < GPR) bv |= 1ull << r->xfeature;
  }
  memcpy(xs + 512, &bv, 8);
}
)C";

const char* const kReproducerUserRegs = R"C(
#include <sys/user.h>
/* Where the held GPRs and GS base sit in struct user_regs_struct (PTRACE_GETREGS, and a core
 * file's NT_PRSTATUS pr_reg), in the order of the gpr arrays. */
static const int user_reg_of[NGPR + 1] = {
    offsetof(struct user_regs_struct, rbx) / 8, offsetof(struct user_regs_struct, rbp) / 8,
    offsetof(struct user_regs_struct, r8) / 8,  offsetof(struct user_regs_struct, r9) / 8,
    offsetof(struct user_regs_struct, r10) / 8, offsetof(struct user_regs_struct, r12) / 8,
    offsetof(struct user_regs_struct, r13) / 8, offsetof(struct user_regs_struct, r14) / 8,
    offsetof(struct user_regs_struct, r15) / 8, offsetof(struct user_regs_struct, gs_base) / 8};
)C";

const char* const kReproducerCopyComponent = R"C(
/* Copies one component's registers (by name) from one XSAVE area to another, with its
 * XSTATE_BV bit: what the catalog bugs' emulations (-DSIGCTX_EMULATE) do to a frame. */
static void copy_component(uint8_t *dst, const uint8_t *src, const char *name) {
  uint64_t bv;
  memcpy(&bv, dst + 512, 8);
  for (size_t k = 0; k < NROWS; k++) {
    const struct regs *r = &rows[k];
    if (strcmp(r->component, name) || r->codec >= GPR || !present(r)) continue;
    memcpy(slot(dst, NULL, r, 0), slot((uint8_t *)src, NULL, r, 0), (r->count - 1) * r->stride + r->size);
    bv |= 1ull << r->xfeature;
  }
  memcpy(dst + 512, &bv, 8);
}
)C";

}  // namespace sigctx
