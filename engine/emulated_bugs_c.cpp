// The catalog bugs' effects in the reproducers' C (engine/reproducer.h): what
// emulated_bugs.cpp does for `sigctx run --emulate BUG`, written against the reproducer's
// prelude, so that `sigctx reproduce CASE --emulate BUG` gives a program that fails under
// -DSIGCTX_EMULATE the way the suite fails under --emulate. Each text defines the hooks it
// uses and says so with a macro: EMULATE_ON_ENTRY and EMULATE_ON_RETURN (the signal driver's
// handler, before its own work and right before sigreturn), EMULATE_AFTER_SWITCH (fork and
// yield, on what the hold stored) and EMULATE_CORE_NOTE (core, on the notes read back).
#include "engine/reproducer.h"

#include <array>

namespace sigctx {

namespace {

struct BugInC {
  std::string_view bug;
  const char* code;      // nullptr: none
  std::string_view why;  // why not, when code is nullptr
};

const std::array<BugInC, 19> kBugsInC = {{
    {"illumos-15254", R"C(
/* illumos-15254: sigreturn restored only the FXSAVE image; YMM upper halves, k0-k7 and ZMM
 * come back as the handler left them. */
#define EMULATE_ON_RETURN
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)uc;
  for (const char *c = "avx\0opmask\0zmm_hi256\0hi16_zmm\0"; *c; c += strlen(c) + 1)
    if (xs) copy_component(xs, img[lv == 1 ? HANDLER1 : HANDLER2], c);
}
)C",
     ""},
    {"linux-5.2-sigframe", R"C(
/* linux-5.2-sigframe: XSAVE into a not yet faulted frame page saved another task's registers:
 * the frame's XMM and YMM upper halves hold thread 1's values. */
#define EMULATE_ON_ENTRY
static void emulate_on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)lv, (void)uc;
  if (xs) copy_component(xs, img[OTHER], "sse"), copy_component(xs, img[OTHER], "avx");
}
)C",
     ""},
    {"darwin-opmask", R"C(
/* darwin-opmask: the return from an asynchronous signal restores k0-k7 wrongly (here: the
 * handler's). The async driver's signals (PER_HOLD of them) are the only asynchronous ones. */
#define EMULATE_ON_RETURN
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)uc;
  if (xs && PER_HOLD > 1) copy_component(xs, img[lv == 1 ? HANDLER1 : HANDLER2], "opmask");
}
)C",
     ""},
    {"freebsd-xmm8-15", nullptr, "it needs SSE in its init state, a shape reproducers do not load"},
    {"illumos-15206", nullptr, "it is a setcontext bug, and the context family has no reproducer"},
    {"linux-6.12-pkru", R"C(
/* linux-6.12-pkru: XSTATE_BV[PKRU] clear in the frame, so sigreturn loads PKRU's init value. */
#define EMULATE_ON_RETURN
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)lv, (void)uc;
  uint64_t bv;
  if (xs) memcpy(&bv, xs + 512, 8), bv &= ~(1ull << 9), memcpy(xs + 512, &bv, 8);
}
)C",
     ""},
    {"linux-pkru-altstack", nullptr, "signal/altstack/pkey-denied has no reproducer"},
    {"linux-altstack-overflow", nullptr, "signal/altstack/size has no reproducer"},
    {"linux-fx-only-fallback", R"C(
/* linux-fx-only-fallback: a frame smaller than the kernel's own counts as malformed and
 * sigreturn restores FP/SSE only: magic1 broken when xstate_size shrank. */
#define EMULATE_ON_ENTRY
#define EMULATE_ON_RETURN
static uint32_t delivered_size;
static void emulate_on_entry(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)lv, (void)uc;
  if (xs) memcpy(&delivered_size, xs + 480, 4);
}
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  uint32_t size, broken = 0;
  (void)lv, (void)uc;
  if (xs && (memcpy(&size, xs + 480, 4), size < delivered_size)) memcpy(xs + 464, &broken, 4);
}
)C",
     ""},
    {"cve-2017-15537", R"C(
/* cve-2017-15537: a header XRSTOR rejects left the previous task's registers: the header is
 * made valid and XMM0-15 take another process's values (thread 1's here). */
#define EMULATE_ON_RETURN
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  static const uint8_t zero[48];
  uint64_t bv, xcomp;
  (void)lv, (void)uc;
  if (!xs) return;
  memcpy(&bv, xs + 512, 8), memcpy(&xcomp, xs + 520, 8);
  if (!xcomp && !(bv & ~xcr0) && !memcmp(xs + 528, zero, 48)) return;
  memset(xs + 520, 0, 56), bv &= xcr0, memcpy(xs + 512, &bv, 8);
  copy_component(xs, img[OTHER], "sse");
}
)C",
     ""},
    {"amd-nullsel-base", nullptr,
     "it moves FS base, which reproducers do not hold, between units of a switch"},
    {"lazyfp", R"C(
/* lazyfp: a unit reads XMM0-15 as the unit that ran before it left them. */
#define EMULATE_AFTER_SWITCH
static void emulate_after_switch(uint8_t *xs, uint64_t *g) {
  (void)g;
  copy_component(xs, img[OTHER], "sse");
}
)C",
     ""},
    {"zenbleed", R"C(
/* zenbleed: a rolled-back VZEROUPPER exposes another unit's YMM upper halves. */
#define EMULATE_AFTER_SWITCH
static void emulate_after_switch(uint8_t *xs, uint64_t *g) {
  (void)g;
  copy_component(xs, img[OTHER], "avx");
}
)C",
     ""},
    {"valgrind-sigcontext", R"C(
/* valgrind-sigcontext: the handler sees no XSAVE area (magic1 absent), and sigreturn restores
 * the state of the delivery, whatever the handler wrote into the frame. */
#define EMULATE_ON_ENTRY
#define EMULATE_ON_RETURN
static uint8_t valgrind_kept[8192];
static uint32_t valgrind_size;
static void emulate_on_entry(int lv, ucontext_t *uc, uint8_t *fp) {
  uint32_t magic1 = 0;
  (void)lv;
  fp = (uint8_t *)uc->uc_mcontext.fpregs;
  memcpy(&valgrind_size, fp + 480, 4);
  if (valgrind_size > sizeof valgrind_kept) valgrind_size = sizeof valgrind_kept;
  memcpy(valgrind_kept, fp, valgrind_size), memcpy(fp + 464, &magic1, 4);
}
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)lv, (void)xs;
  memcpy(uc->uc_mcontext.fpregs, valgrind_kept, valgrind_size);
}
)C",
     ""},
    {"qemu-user-xfeatures", R"C(
/* qemu-user-xfeatures: sigreturn loads every component the frame has room for, whatever
 * XSTATE_BV says. */
#define EMULATE_ON_RETURN
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  uint64_t bv, features;
  (void)lv, (void)uc;
  if (xs) memcpy(&bv, xs + 512, 8), memcpy(&features, xs + 472, 8), bv |= features,
      memcpy(xs + 512, &bv, 8);
}
)C",
     ""},
    {"linux-coredump-pkru-stale", R"C(
/* linux-coredump-pkru-stale: the note's PKRU is the task's value at its last switch-out, here
 * Linux's default, unless the task slept after loading PKRU. */
#define EMULATE_CORE_NOTE
static void emulate_core_note(uint8_t *xs, uint64_t *g) {
  const uint32_t stale = 0x55555554;
  (void)g;
  if (!PAUSED_BEFORE_DUMP && (xcr0 >> 9 & 1)) memcpy(xs + xoff[9], &stale, 4);
}
)C",
     ""},
    {"uml-avx512-sigreturn", R"C(
/* uml-avx512-sigreturn: UML's sigreturn leaves the AVX-512 state as the handler had it. */
#define EMULATE_ON_RETURN
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)uc;
  for (const char *c = "opmask\0zmm_hi256\0hi16_zmm\0"; *c; c += strlen(c) + 1)
    if (xs) copy_component(xs, img[lv == 1 ? HANDLER1 : HANDLER2], c);
}
)C",
     ""},
    {"gvisor-gsbase", R"C(
/* gvisor-gsbase: a GS base set with ARCH_SET_GS reads 0 after sigreturn. */
#define EMULATE_ON_RETURN
static void emulate_on_return(int lv, ucontext_t *uc, uint8_t *xs) {
  (void)lv, (void)uc, (void)xs;
  syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, 0ul);
}
)C",
     ""},
    {"hypervisor-debug-registers", nullptr,
     "its effect is on hardware breakpoints, which no reproducer sets"},
}};

}  // namespace

const char* emulation_in_c(std::string_view bug, std::string* why_not) {
  for (const BugInC& b : kBugsInC)
    if (b.bug == bug) {
      if (!b.code) *why_not = std::string(b.why);
      return b.code;
    }
  *why_not = "it is not in the catalog";
  return nullptr;
}

}  // namespace sigctx
