#include "runners/bug_catalog.h"

#include <array>

namespace sigctx {

namespace {
constexpr std::array<BugEntry, 19> kCatalog = {{
    {"illumos-15254", "illumos before 2023", "signal, then the handler returns via setcontext",
     "the handler's return went through setcontext(2) with a ucontext whose FPU part was only "
     "the legacy FXSAVE image; the kernel restored that image and left the AVX and AVX-512 "
     "state (YMM/ZMM upper halves, zmm16-31, k0-k7) as the handler's code had left it",
     "YMM/ZMM upper halves and opmask come back as the handler left them; Go's memclr, which "
     "zeroes from ymm0, then wrote non-zero bytes into 'zeroed' memory",
     "illumos #15254"},
    {"linux-5.2-sigframe", "Linux 5.2 to 5.4.1 built with GCC 9",
     "signal delivery when the signal stack page is not yet faulted in",
     "XSAVE into the user frame faulted on a page that was not present; the fault path could "
     "sleep, and the cached owner of the FPU registers (fpu_fpregs_owner_ctx, which GCC 9 kept "
     "in a register) went stale, so the registers of another task were saved and restored",
     "XMM/YMM come back holding another task's values (and opmask/ZMM, saved by the same XSAVE)",
     "go#35326; fixed by 'x86/fpu: Don't cache access to fpu_fpregs_owner_ctx' (Linux 5.4.2)"},
    {"darwin-opmask", "macOS 10.15.6 to 12.1", "asynchronous signal return",
     "XNU's return from a signal delivered asynchronously (an external signal interrupting user "
     "code) restored k0-k7 wrongly; the ucontext the handler saw was right, and synchronous "
     "signals were unaffected",
     "k0-k7 corrupted on restore, although the frame the handler saw was right", "go#49233"},
    {"freebsd-xmm8-15", "FreeBSD before December 2021",
     "signal return when XMM was in its init state",
     "when the saved XSTATE_BV said SSE was in its init state, the kernel filled the XMM "
     "registers with zeros itself, using the i386 register count of 8, so xmm8-15 kept "
     "whatever the save area held",
     "xmm8-15 hold garbage: the init fill used the 32-bit register count",
     "FreeBSD amd64 FPU fix of December 2021"},
    {"illumos-15206", "illumos before December 2022, Solaris",
     "setcontext of a context captured on another thread",
     "setcontext(2) restored the FS base saved in the ucontext, so a context captured on one "
     "thread and resumed on another moved the resuming thread onto the capturing thread's TLS",
     "FS base switched to the other thread's TLS", "illumos #15206"},
    {"linux-6.12-pkru", "Linux 6.12 on AMD", "signal return",
     "6.12 writes the interrupted PKRU into the frame after XSAVE but left XSTATE_BV[PKRU] as "
     "XSAVE wrote it; AMD's XSAVE reports PKRU as init when the handler's PKRU is 0, so "
     "sigreturn's XRSTOR put PKRU into its init state instead of loading the frame's value",
     "PKRU comes back 0: XSTATE_BV[PKRU] was cleared by the init tracker",
     "fixed by 'x86/pkeys: Ensure updated PKRU value is XRSTOR'd' (Linux 6.13, 6.12.y)"},
    {"linux-pkru-altstack", "Linux before 6.12",
     "signal delivered on a sigaltstack protected by a pkey",
     "the kernel wrote the signal frame with the interrupted thread's PKRU in force; when that "
     "PKRU denied write access to the altstack's pkey, XSAVE into the frame faulted",
     "XSAVE into the frame faults and the process dies",
     "fixed by 'x86/pkeys: Update PKRU to enable all pkeys before XSAVE' (Linux 6.12)"},
    {"linux-altstack-overflow", "Linux before 5.14",
     "signal on a sigaltstack smaller than the frame (AVX-512, AMX)",
     "the kernel did not check that the frame, which grows with XSAVE (about 2.7 KiB with "
     "AVX-512, 11 KiB with AMX), fits the sigaltstack; MINSIGSTKSZ stayed 2048",
     "the frame is written below the stack, silently corrupting memory",
     "fixed by 'x86/signal: Detect and prevent an alternate signal stack overflow' (Linux "
     "5.14), with AT_MINSIGSTKSZ"},
    {"linux-fx-only-fallback",
     "Linux 2025 to 2026 ('refine magic check', reverted 7.1-rc6); DynamoRIO i#3812",
     "sigreturn with a frame whose xstate_size is smaller than the kernel's own (CRIU, gVisor)",
     "without a valid FP_XSTATE_MAGIC2 at xstate_size, sigreturn restores only the FXSAVE part "
     "and puts every other component into its init state; the refined check compared "
     "xstate_size with the kernel's own size, so well-formed smaller frames took that fallback",
     "silent FP/SSE-only restore: YMM and above zeroed",
     "DynamoRIO i#3812; Linux 'refine magic check', reverted in 7.1-rc6"},
    {"cve-2017-15537", "Linux before 4.13.5", "ptrace SETREGSET or sigreturn with a bogus xcomp_bv",
     "a user-supplied XSAVE header with a non-zero XCOMP_BV (or reserved bits) was copied into "
     "the task's buffer; XRSTOR then faulted, and the fault fixup left the registers as they "
     "were, holding the previous task's state",
     "XRSTOR fails and the task keeps another process's registers",
     "CVE-2017-15537; fixed by 'x86/fpu: Don't let userspace set bogus xcomp_bv'"},
    {"amd-nullsel-base", "Linux before 4.7 on older AMD", "context switch",
     "loading a null selector into FS or GS keeps the old base on these CPUs; Linux switched "
     "to a thread without a base of its own by loading a null selector and assumed base 0",
     "a thread sees the previous thread's FS/GS base",
     "fixed by 'x86/cpu: Probe the behavior of nulling out a segment at boot time' "
     "(X86_BUG_NULL_SEG, Linux 4.7)"},
    {"lazyfp", "CVE-2018-3665", "process switch",
     "with lazy FPU switching the previous process's registers stay in the FPU until the first "
     "FP instruction traps (#NM); speculative execution reads them before the trap",
     "register contents of one process visible in another (lazy FPU switching)",
     "CVE-2018-3665; Linux switches eagerly since 4.6 and removed lazy mode in 4.14"},
    {"zenbleed", "CVE-2023-20593 (AMD Zen 2)", "process switch",
     "a mispredicted VZEROUPPER is rolled back after the physical register holding the upper "
     "YMM half was reused, so the register reads another context's data",
     "register contents of one process visible in another (vzeroupper misprediction)",
     "CVE-2023-20593; microcode, or the DE_CFG[9] chicken bit"},
    {"valgrind-sigcontext", "valgrind (all versions)", "signal delivery / return",
     "valgrind builds the frame from its guest state without the FP/SSE/AVX part, and on "
     "sigreturn restores its own saved guest state rather than the frame",
     "the frame holds no FP/SSE/AVX state, and frame edits are ignored",
     "valgrind coregrind/m_sigframe"},
    {"qemu-user-xfeatures", "QEMU linux-user before 9.1", "sigreturn",
     "QEMU's linux-user sigreturn loaded every component from the frame whatever its "
     "XSTATE_BV said, and placed the fpstate without the 64-byte alignment XSAVE needs",
     "the frame's xfeatures are ignored, and the frame is misaligned", "QEMU gitlab #1648"},
    {"linux-coredump-pkru-stale", "Linux 6.1 and 6.12 measured; 5.14 to 7.2 by the source",
     "core dump of a task that wrote PKRU and was not switched out before the dump",
     "the NT_X86_XSTATE note is built by xstateregs_get(): sync_fpstate() saves the registers, "
     "but copy_xstate_to_uabi_buf() takes PKRU from tsk->thread.pkru, which Linux updates only "
     "when the task is switched out (x86_pkru_load) and at fork; for the dumping task itself "
     "it can be stale",
     "the core file's PKRU is the value of the task's last switch-out or fork (0x55555554 "
     "inherited from its parent), not the one in force; a preemption before the dump hides it",
     "found by sigctx (docs/findings.md); arm64 fixed the same for POR_EL0 in 1f3b950492db "
     "('arm64: poe: fix stale POR_EL0 values for ptrace')"},
    {"uml-avx512-sigreturn", "user-mode Linux 6.1 (Debian's linux.uml) on AVX-512 hosts",
     "signal return",
     "UML's frame carries only the FXSAVE image, and its sigreturn restores that part; the "
     "AVX-512 state of the host process is left as the handler had it",
     "k0-k7 and the ZMM upper halves (zmm16-31 whole) come back holding the handler's values",
     "found by sigctx on a Zen 5 guest (docs/findings.md, issue 21)"},
    {"gvisor-gsbase", "gVisor (Debian's runsc 20221219, systrap platform)",
     "any entry to the Sentry: signal delivery and return, yields, fork, ptrace",
     "a GS base set with arch_prctl(ARCH_SET_GS) is not kept in the Sentry's saved state for "
     "the thread, which reads back 0 after its next entry",
     "GS base reads 0 at handler entry, after sigreturn, fork and yields, and in a tracer's "
     "view",
     "found by sigctx (docs/findings.md)"},
    {"hypervisor-debug-registers", "a nested hypervisor (PVM on bhyve, AMD Zen 5)",
     "a hardware breakpoint (DR0-DR3 with DR7) set through ptrace or perf_event_open",
     "the guest's debug-register writes are accepted but the nested hypervisor never arms them "
     "on the hardware",
     "breakpoints are accepted and never fire: a debugger's or sigctx's hwbp injector never "
     "stops",
     "found by sigctx (issue 11, docs/findings.md)"},
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
