// The catalog bugs --emulate can replay, one entry each, in catalog order. An entry names what
// the handler does; the hooks are as close to the real mechanism as a handler on a correct
// kernel can get (runners/bug_catalog.cpp tells each mechanism).
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <initializer_list>
#include <memory>

#include "engine/altstack.h"
#include "engine/emulation.h"
#include "xstate/component_registry.h"
#include "xstate/xsave_area.h"

namespace sigctx {

namespace {

constexpr unsigned kLevels = 3;  // per nesting level, index 1..2

// Another thread's or process's lane pattern in the given components, built before any handler
// runs.
void fill_other(CpuImage& img, const Machine& m, uint64_t seed, uint8_t role,
                std::initializer_list<ComponentId> ids) {
  img.clear();
  const PatternSource other{seed_tag(seed), role, 0};
  for (ComponentId id : ids)
    if (component(id).availability(m).ok) component(id).fill(img, m, other, Shape::kLanes);
}

bool frame_has(const EmulationSite& s, ComponentId id) {
  const ComponentDescriptor& c = component(id);
  return s.frame->has_fpstate() && c.in_signal_frame && c.availability(*s.machine).ok &&
         (c.xsave_index < 2 || s.frame->has_xstate());
}

// Writes the named registers' fields of a component from `values` into the frame.
bool write_registers(EmulationSite& s, ComponentId id, const CpuImage& values, unsigned first_reg,
                     unsigned last_reg) {
  if (!frame_has(s, id)) return false;
  const ComponentDescriptor& c = component(id);
  bool wrote = false;
  for (const Field& f : fields_of(c, *s.machine)) {
    if (f.reg < first_reg || f.reg > last_reg) continue;
    uint8_t* slot = s.frame->slot(c, f, s.machine->xsave);
    if (!slot) continue;
    std::memcpy(slot, values.bytes() + f.offset, f.size);
    wrote = true;
  }
  if (wrote && s.frame->has_xstate())
    s.frame->set_xstate_bv(s.frame->xstate_bv() | (1ull << c.xsave_index));
  return wrote;
}

bool write_all_registers(EmulationSite& s, ComponentId id, const CpuImage& values) {
  return write_registers(s, id, values, 0, 255);
}

// illumos-15254: returning through setcontext restored only the FXSAVE image, so everything
// above it comes back as the handler left it.
bool illumos_15254_return(EmulationSite& s) {
  if (!s.handler_image) return false;
  bool changed = false;
  for (ComponentId id :
       {ComponentId::kAvx, ComponentId::kOpmask, ComponentId::kZmmHi256, ComponentId::kHi16Zmm})
    changed |= write_all_registers(s, id, *s.handler_image);
  return changed;
}

// linux-5.2-sigframe: XSAVE into a not-yet-faulted frame page saved another task's registers.
// Reported for XMM and YMM (go#35326); the XSAVE saved every vector component, the AVX-512
// ones as much.
constexpr std::initializer_list<ComponentId> kLinux52Components = {
    ComponentId::kSse, ComponentId::kAvx, ComponentId::kOpmask, ComponentId::kZmmHi256,
    ComponentId::kHi16Zmm};
alignas(64) CpuImage g_other_thread;
void linux_5_2_prepare(const Machine& m, uint64_t seed) {
  fill_other(g_other_thread, m, seed, kRoleThread0 + 1, kLinux52Components);
}
bool linux_5_2_entry(EmulationSite& s) {
  // The ucontext is part of the frame the kernel just wrote.
  if (!GuardedAltstack::first_delivery_on_untouched(reinterpret_cast<uint64_t>(s.ucontext)))
    return false;
  bool changed = false;
  for (ComponentId id : kLinux52Components)
    changed |= write_all_registers(s, id, g_other_thread);
  return changed;
}

// darwin-opmask: only an asynchronous signal's return restores k0-k7 wrongly; the frame the
// handler saw was right, so the change comes after it.
bool darwin_opmask_return(EmulationSite& s) {
  if (!s.asynchronous || !s.handler_image) return false;
  return write_all_registers(s, ComponentId::kOpmask, *s.handler_image);
}

// freebsd-xmm8-15: with SSE in its init state the kernel zero-filled 8 XMM registers, leaving
// xmm8-15 as the save area had them: here, the handler's.
bool g_sse_init_at_entry[kLevels];
bool freebsd_entry(EmulationSite& s) {
  bool init = false;
  if (s.frame->has_xstate()) {
    init = !((s.frame->xstate_bv() >> component(ComponentId::kSse).xsave_index) & 1);
  }
  if (!init && frame_has(s, ComponentId::kSse)) {  // XINUSE may stay set for zeroed registers
    init = true;
    const ComponentDescriptor& sse = component(ComponentId::kSse);
    for (const Field& f : fields_of(sse, *s.machine)) {
      const uint8_t* slot = s.frame->slot(sse, f, s.machine->xsave);
      for (unsigned i = 0; slot && i < f.size; ++i)
        init &= slot[i] == 0;
    }
  }
  g_sse_init_at_entry[s.level] = init;
  return false;
}
bool freebsd_return(EmulationSite& s) {
  if (!g_sse_init_at_entry[s.level] || !s.handler_image) return false;
  return write_registers(s, ComponentId::kSse, *s.handler_image, 8, 15);
}

// linux-6.12-pkru: XSTATE_BV[PKRU] clear in the frame, so sigreturn loads PKRU's init value.
bool linux_6_12_pkru_return(EmulationSite& s) {
  const int bit = component(ComponentId::kPkru).xsave_index;
  if (!frame_has(s, ComponentId::kPkru) || !((s.frame->xstate_bv() >> bit) & 1)) return false;
  s.frame->set_xstate_bv(s.frame->xstate_bv() & ~(1ull << bit));
  return true;
}

// linux-pkru-altstack: before 6.12 the kernel wrote the frame under the interrupted code's
// PKRU, so when that PKRU denied writes to the sigaltstack's key, the XSAVE faulted and the
// kernel killed the task with SIGSEGV (force_sigsegv resets the handler first). sigctx's
// sigaltstacks carry key 0; the frame holds the interrupted PKRU.
bool pkru_altstack_entry(EmulationSite& s) {
  if (!frame_has(s, ComponentId::kPkru)) return false;
  const ComponentDescriptor& c = component(ComponentId::kPkru);
  const uint8_t* slot = s.frame->slot(c, fields_of(c, *s.machine)[0], s.machine->xsave);
  if (!slot) return false;
  uint32_t pkru = 0;
  if (!s.frame->has_xstate() || ((s.frame->xstate_bv() >> c.xsave_index) & 1))
    std::memcpy(&pkru, slot, 4);
  const auto* uc = static_cast<const ucontext_t*>(s.ucontext);
  const auto at = reinterpret_cast<uint64_t>(s.ucontext);
  const auto sp = reinterpret_cast<uint64_t>(uc->uc_stack.ss_sp);
  const bool on_altstack =
      !(uc->uc_stack.ss_flags & SS_DISABLE) && at >= sp && at < sp + uc->uc_stack.ss_size;
  if (!on_altstack || !(pkru & 0x3)) return false;  // key 0 writable: the XSAVE succeeded
  note_emulation_applications(1);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGSEGV, &dfl, nullptr);
  sigset_t segv;
  sigemptyset(&segv);
  sigaddset(&segv, SIGSEGV);
  sigprocmask(SIG_UNBLOCK, &segv, nullptr);
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSEGV);
  _exit(128 + SIGSEGV);  // not reached
}

// linux-fx-only-fallback: a frame smaller than the kernel's own counted as malformed, so
// sigreturn restored FP/SSE only. Clearing magic1 sends a correct kernel down that path.
uint32_t g_delivered_xstate_size[kLevels];
bool fx_only_entry(EmulationSite& s) {
  g_delivered_xstate_size[s.level] = s.frame->has_xstate() ? s.frame->xstate_size() : 0;
  return false;
}
bool fx_only_return(EmulationSite& s) {
  if (!s.frame->has_xstate() || s.frame->xstate_size() >= g_delivered_xstate_size[s.level])
    return false;
  const uint32_t broken = 0;
  std::memcpy(s.frame->raw_fpstate() + kSwReservedOffset, &broken, 4);
  return true;
}

// cve-2017-15537: a header XRSTOR rejects (non-zero XCOMP_BV or reserved bytes, XSTATE_BV bits
// XCR0 lacks) left the registers as the previous task had them: here, XMM0-15 hold other
// process 1's pattern, behind a header a correct kernel accepts.
alignas(64) CpuImage g_other_process;
void cve_2017_15537_prepare(const Machine& m, uint64_t seed) {
  fill_other(g_other_process, m, seed, kRoleProcess0 + 1, {ComponentId::kSse});
}
bool cve_2017_15537_return(EmulationSite& s) {
  SignalFrame& f = *s.frame;
  if (!f.has_xstate()) return false;
  static constexpr uint8_t kZero[48] = {};
  const bool rejected = f.xcomp_bv() != 0 || (f.xstate_bv() & ~s.machine->xcr0) != 0 ||
                        std::memcmp(f.header_reserved(), kZero, sizeof(kZero)) != 0;
  if (!rejected) return false;
  // XCOMP_BV and the reserved bytes: everything in the header after XSTATE_BV.
  std::memset(f.raw_fpstate() + kXsaveHeaderOffset + 8, 0, 56);
  f.set_xstate_bv(f.xstate_bv() & s.machine->xcr0);
  write_all_registers(s, ComponentId::kSse, g_other_process);
  return true;
}

// The same bug through ptrace: the kernel took a SETREGSET header XRSTOR rejects, and the
// tracee kept the previous task's registers. The buffer gets a valid header and other process
// 1's XMM values, so the system call succeeds and loads them.
bool cve_2017_15537_ptrace(const Machine& m, uint8_t* area, size_t len) {
  XsaveArea a(area, len, true);
  static constexpr uint8_t kZero[48] = {};
  const bool rejected = a.xcomp_bv() != 0 || (a.xstate_bv() & ~m.xcr0) != 0 ||
                        std::memcmp(area + kXsaveHeaderOffset + 16, kZero, sizeof(kZero)) != 0;
  if (!rejected) return false;
  std::memset(area + kXsaveHeaderOffset + 8, 0, 56);
  a.set_xstate_bv(a.xstate_bv() & m.xcr0);
  return a.write(component(ComponentId::kSse), m, g_other_process);
}

// The context-switch bugs act in assembly hooks (emulated_switch_hooks.S) on an area every
// unit of a case, thread or forked process, shares.
void switch_area_prepare(const Machine&, uint64_t) {
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  sigctx_emulation_switch_area = p == MAP_FAILED ? nullptr : p;
}
bool switch_area_ready() {
  return sigctx_emulation_switch_area != nullptr;
}
bool nullsel_usable(const Machine& m) {
  return switch_area_ready() && m.fsgsbase_instructions();
}
bool lazyfp_usable(const Machine&) {
  return switch_area_ready();
}
bool zenbleed_usable(const Machine& m) {
  return switch_area_ready() && component(ComponentId::kAvx).availability(m).ok;
}

// qemu-user-xfeatures: QEMU's sigreturn loaded every component the frame has room for,
// whatever XSTATE_BV said.
bool qemu_xfeatures_return(EmulationSite& s) {
  SignalFrame& f = *s.frame;
  if (!f.has_xstate() || (f.xstate_bv() & f.xfeatures()) == f.xfeatures()) return false;
  f.set_xstate_bv(f.xstate_bv() | f.xfeatures());
  return true;
}

// valgrind-sigcontext: valgrind's frame points at an FXSAVE-sized area it never filled (stack
// garbage, 32 bytes off 64-byte alignment, no magic1), and sigreturn restores the state valgrind
// kept aside, whatever the handler wrote there.
constexpr size_t kValgrindMisalignment = 32;
alignas(64) uint8_t g_garbage_template[512];
alignas(64) uint8_t g_valgrind_fpstate[kLevels][512 + 64];
void* g_detached_fpstate[kLevels];
void valgrind_prepare(const Machine&, uint64_t seed) {
  for (size_t i = 0; i < sizeof(g_garbage_template); i += 8) {
    const uint64_t v = mix64(seed ^ (0x9a7ba9e000000000ull + i));
    std::memcpy(g_garbage_template + i, &v, 8);
  }
}
bool valgrind_entry(EmulationSite& s) {
  g_detached_fpstate[s.level] = detach_fpstate(s.ucontext);
  uint8_t* seen = g_valgrind_fpstate[s.level] + kValgrindMisalignment;
  std::memcpy(seen, g_garbage_template, sizeof(g_garbage_template));
  attach_fpstate(s.ucontext, seen);
  *s.frame = SignalFrame::live(s.ucontext);
  return g_detached_fpstate[s.level] != nullptr;
}
bool valgrind_return(EmulationSite& s) {
  if (!g_detached_fpstate[s.level]) return false;
  attach_fpstate(s.ucontext, g_detached_fpstate[s.level]);
  g_detached_fpstate[s.level] = nullptr;
  *s.frame = SignalFrame::live(s.ucontext);
  return false;  // counted once, at entry
}

// linux-coredump-pkru-stale: the note takes PKRU from the task struct, which Linux updates only
// when the task is switched out; a task that wrote PKRU and dumped without sleeping in between
// records the value of its last switch-out or its fork: here, Linux's default.
bool coredump_pkru_note(const Machine& m, uint8_t* note, size_t len, bool slept_after_load) {
  if (slept_after_load) return false;
  XsaveArea a(note, len, true);
  const ComponentDescriptor& pkru = component(ComponentId::kPkru);
  if (!pkru.availability(m).ok) return false;
  auto stale = std::make_unique<CpuImage>();
  stale->clear();
  stale->pkru = static_cast<uint32_t>(pkru.defaults.front().value);
  return a.write(pkru, m, *stale);
}

// uml-avx512-sigreturn: UML's sigreturn left the AVX-512 state as the handler had it.
bool uml_avx512_return(EmulationSite& s) {
  if (!s.handler_image) return false;
  bool changed = false;
  for (ComponentId id : {ComponentId::kOpmask, ComponentId::kZmmHi256, ComponentId::kHi16Zmm})
    changed |= write_all_registers(s, id, *s.handler_image);
  return changed;
}

// gvisor-gsbase: the Sentry dropped a GS base set with ARCH_SET_GS at the thread's next entry;
// after sigreturn it reads 0.
bool gvisor_gsbase_return(EmulationSite&) {
  uint64_t gs = 0;
  if (syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs) != 0 || gs == 0) return false;
  return syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, 0ul) == 0;
}

// illumos-15206: setcontext loaded the FS base saved in the context, so a context captured on
// another thread moves the resuming thread onto the capturing thread's TLS.
bool illumos_15206_resume(ContextResumeSite& s) {
  if (s.capturing_fsbase == s.resuming_fsbase) return false;  // the saved base is already right
  return syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, s.capturing_fsbase) == 0;
}

const std::array<Emulation, 19> kEmulations = {{
    {"illumos-15254",
     "before sigreturn, the handler's own YMM upper halves, k0-k7, ZMM upper halves and "
     "zmm16-31 are written into the frame",
     component_bit(ComponentId::kAvx) | component_bit(ComponentId::kOpmask) |
         component_bit(ComponentId::kZmmHi256) | component_bit(ComponentId::kHi16Zmm),
     nullptr, nullptr, illumos_15254_return},
    {"linux-5.2-sigframe",
     "on the first delivery onto a freshly mapped sigaltstack, the frame's XMM and YMM upper "
     "halves hold sibling thread 1's pattern",
     component_bit(ComponentId::kSse) | component_bit(ComponentId::kAvx), linux_5_2_prepare,
     linux_5_2_entry, nullptr},
    {"darwin-opmask",
     "after a handler for an asynchronous signal (one that interrupted code outside a system "
     "call), k0-k7 in the frame take the handler's values",
     component_bit(ComponentId::kOpmask), nullptr, nullptr, darwin_opmask_return},
    {"freebsd-xmm8-15",
     "when the frame shows SSE in its init state, xmm8-15 in the frame take the handler's "
     "values before sigreturn",
     component_bit(ComponentId::kSse), nullptr, freebsd_entry, freebsd_return},
    {"illumos-15206",
     "setcontext loads the FS base the context was captured with, so a context captured on "
     "another thread resumes on that thread's TLS",
     component_bit(ComponentId::kFsbase), nullptr, nullptr, nullptr, 0, illumos_15206_resume},
    {"linux-6.12-pkru", "before sigreturn, XSTATE_BV[PKRU] is cleared in the frame",
     component_bit(ComponentId::kPkru), nullptr, nullptr, linux_6_12_pkru_return},
    {"linux-pkru-altstack",
     "when the interrupted code's PKRU (in the frame) denies writes to key 0, the key of the "
     "sigaltstack the frame was written on, the handler ends the task with SIGSEGV at entry, "
     "as the kernel's failed XSAVE did",
     component_bit(ComponentId::kPkru), nullptr, pkru_altstack_entry, nullptr},
    {"linux-altstack-overflow",
     "sigaltstack() is given each alternate stack extended 8 KiB below its bottom, so a frame "
     "larger than the stack is delivered and written below it instead of ending in SIGSEGV",
     0, nullptr, nullptr, nullptr, 8192},
    {"linux-fx-only-fallback",
     "before sigreturn, a frame whose xstate_size is smaller than the one the kernel wrote "
     "loses magic1, so sigreturn restores FP/SSE only",
     component_bit(ComponentId::kAvx), nullptr, fx_only_entry, fx_only_return},
    {"cve-2017-15537",
     "before sigreturn, a frame header XRSTOR would reject is made valid and every "
     "XMM register in the frame takes other process 1's pattern; a tracer's SETREGSET "
     "NT_X86_XSTATE with such a header succeeds and loads the same",
     component_bit(ComponentId::kSse), cve_2017_15537_prepare, nullptr, cve_2017_15537_return, 0,
     nullptr, nullptr, nullptr, nullptr, cve_2017_15537_ptrace},
    {"amd-nullsel-base",
     "a unit (thread or process) whose FS or GS base is 0 takes, after each system call or "
     "spin iteration, the base the unit that ran before it left, as a null selector load on "
     "older AMD did",
     component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase), switch_area_prepare,
     nullptr, nullptr, 0, nullptr, reinterpret_cast<const void*>(&sigctx_emulate_nullsel_before),
     reinterpret_cast<const void*>(&sigctx_emulate_nullsel_after), nullsel_usable},
    {"lazyfp",
     "after each system call or spin iteration, a unit takes xmm0-15 as the unit that ran "
     "before it left them, as lazy FPU switching let a task read",
     component_bit(ComponentId::kSse), switch_area_prepare, nullptr, nullptr, 0, nullptr,
     reinterpret_cast<const void*>(&sigctx_emulate_lazyfp_before),
     reinterpret_cast<const void*>(&sigctx_emulate_lazyfp_after), lazyfp_usable},
    {"zenbleed",
     "after each system call or spin iteration, a unit's ymm0-15 bits 255:128 take the values "
     "of the unit that ran before it, as a rolled-back VZEROUPPER exposed them",
     component_bit(ComponentId::kAvx), switch_area_prepare, nullptr, nullptr, 0, nullptr,
     reinterpret_cast<const void*>(&sigctx_emulate_zenbleed_before),
     reinterpret_cast<const void*>(&sigctx_emulate_zenbleed_after), zenbleed_usable},
    {"valgrind-sigcontext",
     "the handler sees an FXSAVE-sized area of garbage, 32 bytes off 64-byte alignment and "
     "without magic1, as its FPU state, and sigreturn restores the FPU state of the delivery, "
     "ignoring the handler's edits",
     0, valgrind_prepare, valgrind_entry, valgrind_return},
    {"qemu-user-xfeatures",
     "before sigreturn, XSTATE_BV gets every bit of the frame's xfeatures, so components the "
     "handler asked to be put in init state are loaded from the frame's data",
     component_bit(ComponentId::kAvx), nullptr, nullptr, qemu_xfeatures_return},
    {.bug = "linux-coredump-pkru-stale",
     .effect = "a core file's NT_X86_XSTATE note of a task that did not sleep between its "
               "PKRU write and the dump holds Linux's default PKRU, the stale value of the task "
               "struct",
     .touches = component_bit(ComponentId::kPkru),
     .on_core_xstate_note = coredump_pkru_note},
    {.bug = "uml-avx512-sigreturn",
     .effect = "before sigreturn, the handler's own k0-k7, ZMM upper halves and zmm16-31 are "
               "written into the frame",
     .touches = component_bit(ComponentId::kOpmask) | component_bit(ComponentId::kZmmHi256) |
                component_bit(ComponentId::kHi16Zmm),
     .on_return = uml_avx512_return},
    {.bug = "gvisor-gsbase",
     .effect = "right before sigreturn the handler sets GS base to 0 (ARCH_SET_GS), so the "
               "interrupted code reads 0 after it; the yields, fork and ptrace views gVisor "
               "also zeroes are not emulated (the hooks around them run only in assembly)",
     .touches = component_bit(ComponentId::kGsbase),
     .on_return = gvisor_gsbase_return},
    {.bug = "hypervisor-debug-registers",
     .effect = "",
     .not_emulated = "the effect is on the hardware-breakpoint injector (DR0-DR7 accepted and "
                     "never firing), not on state a signal handler or a tracer changes; "
                     "platform/debug-registers detects it and the hwbp cases skip naming it"},
}};

}  // namespace

std::span<const Emulation> emulations() {
  return kEmulations;
}

}  // namespace sigctx
