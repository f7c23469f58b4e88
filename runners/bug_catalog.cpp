#include "runners/bug_catalog.h"

#include <array>

namespace sigctx {

namespace {
constexpr std::array<BugEntry, 15> kCatalog = {{
    {"illumos-15254", "illumos before 2023", "signal, then the handler returns via setcontext",
     "YMM/ZMM upper halves and opmask come back as the handler left them (only the fxsave image "
     "was restored); Go's memclr then wrote non-zero bytes into 'zeroed' memory",
     "illumos #15254"},
    {"linux-5.2-sigframe", "Linux 5.2 to 5.4.1 built with GCC 9",
     "signal delivery when the signal stack page is not yet faulted in",
     "XMM/YMM come back holding another task's values", "go#35326"},
    {"darwin-opmask", "macOS 10.15.6 to 12.1", "asynchronous signal return",
     "k0-k7 corrupted on restore, although the frame the handler saw was right", "go#49233"},
    {"freebsd-xmm8-15", "FreeBSD before December 2021",
     "signal return when XMM was in its init state",
     "xmm8-15 hold garbage: the init fill used the 32-bit register count",
     "FreeBSD fix of December 2021"},
    {"illumos-15206", "illumos before December 2022, Solaris",
     "setcontext of a context captured on another thread",
     "FS base switched to the other thread's TLS", "illumos #15206"},
    {"linux-6.12-pkru", "Linux 6.12 on AMD", "signal return",
     "PKRU comes back 0: XSTATE_BV[PKRU] was cleared by the init tracker",
     "Linux 6.12 on AMD (fixed later)"},
    {"linux-pkru-altstack", "Linux before 6.12",
     "signal delivered on a sigaltstack protected by a pkey",
     "XSAVE into the frame faults and the process dies", "fixed in Linux 6.12"},
    {"linux-altstack-overflow", "Linux before 5.14",
     "signal on a sigaltstack smaller than the frame (AVX-512, AMX)",
     "the frame is written below the stack, silently corrupting memory", "fixed in Linux 5.14"},
    {"linux-fx-only-fallback",
     "Linux 2025 to 2026 ('refine magic check', reverted 7.1-rc6); DynamoRIO i#3812",
     "sigreturn with a frame whose xstate_size is smaller than the kernel's own (CRIU, gVisor)",
     "silent FP/SSE-only restore: YMM and above zeroed", "DynamoRIO i#3812"},
    {"cve-2017-15537", "Linux before 4.13.5", "ptrace SETREGSET or sigreturn with a bogus xcomp_bv",
     "XRSTOR fails and the task keeps another process's registers", "CVE-2017-15537"},
    {"amd-nullsel-base", "Linux before 4.7 on older AMD", "context switch",
     "a thread sees the previous thread's FS/GS base", "fixed in Linux 4.7"},
    {"lazyfp", "CVE-2018-3665", "process switch",
     "register contents of one process visible in another (lazy FPU switching)", "CVE-2018-3665"},
    {"zenbleed", "CVE-2023-20593 (AMD Zen 2)", "process switch",
     "register contents of one process visible in another (vzeroupper misprediction)",
     "CVE-2023-20593"},
    {"valgrind-sigcontext", "valgrind (all versions)", "signal delivery / return",
     "the frame holds no FP/SSE/AVX state, and frame edits are ignored", "valgrind"},
    {"qemu-user-xfeatures", "QEMU linux-user before 9.1", "sigreturn",
     "the frame's xfeatures are ignored, and the frame is misaligned", "qemu gitlab #1648"},
}};
}  // namespace

std::span<const BugEntry> bug_catalog() {
  return kCatalog;
}

const BugEntry* find_bug(std::string_view id) {
  for (const auto& b : kCatalog)
    if (b.id == id) return &b;
  return nullptr;
}

}  // namespace sigctx
