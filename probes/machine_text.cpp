// The fingerprint for people: `sigctx probe` without --json. Everything a bug report needs to say
// which machine it came from, in the order one reads it: CPU, what the OS enabled, how big things
// are, then kernel, libc and what we run under.
#include <fmt/format.h>

#include <iterator>

#include "probes/machine.h"

namespace sigctx {

namespace {

constexpr int kLabelWidth = 15;

void line(std::string& out, std::string_view label, std::string_view text) {
  fmt::format_to(std::back_inserter(out), "{:<{}} {}\n", label, kLabelWidth, text);
}
void more(std::string& out, std::string_view text) {
  line(out, "", text);
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string features_text(const CpuFeatures& f, bool present) {
  std::string words;
  for (const auto& field : cpu_feature_fields()) {
    if ((f.*field.member) != present) continue;
    if (!words.empty()) words += ' ';
    words += field.name;
  }
  return words.empty() ? "none" : words;
}

void cpu_section(std::string& out, const Machine& m) {
  const CpuIdentity& id = m.identity;
  line(out, "CPU",
       fmt::format("{}, {}", id.vendor.empty() ? "unknown vendor" : id.vendor,
                   id.brand.empty() ? "no brand string" : id.brand));
  // libcpuid guesses a codename even for models it does not know; say whose guess it is.
  more(out, fmt::format(
                "family {:#x} ({}), model {:#x} ({}), stepping {:#x} ({}); libcpuid codename {}",
                id.family, id.family, id.model, id.model, id.stepping, id.stepping, id.codename));
  if (!id.libcpuid_error.empty()) more(out, "libcpuid: " + id.libcpuid_error);
  line(out, "Features", features_text(m.features, true));
  more(out, "absent: " + features_text(m.features, false));
}

void layout_table(std::string& out, const Machine& m);

void xsave_section(std::string& out, const Machine& m) {
  const XsaveLayout& x = m.xsave;
  if (!m.features.osxsave) {
    line(out, "XCR0", "not readable: the OS did not enable XSAVE (CPUID.1:ECX.OSXSAVE clear)");
  } else {
    line(out, "XCR0", fmt::format("{:#x}: {}", m.xcr0, xsave_mask_names(m.xcr0)));
  }
  if (m.xinuse)
    line(out, "XINUSE",
         fmt::format("{:#x}: {} (at probe time)", *m.xinuse, xsave_mask_names(*m.xinuse)));
  else
    line(out, "XINUSE", "not available (no XGETBV with ECX=1)");
  if (x.xsave)
    layout_table(out, m);
  else
    line(out, "XSAVE", "not supported by this CPU");
  line(out, "MXCSR_MASK", fmt::format("{:#x}", m.mxcsr_mask));
  line(out, "XCOMP",
       fmt::format("supported {:#x}, permitted {:#x} (arch_prctl; 0 when the kernel has none)",
                   m.xcomp_supp, m.xcomp_perm));
}

void layout_table(std::string& out, const Machine& m) {
  const XsaveLayout& x = m.xsave;
  std::string insns = "xsave";
  for (auto [has, name] : {std::pair{x.xsaveopt, "xsaveopt"},
                           {x.xsavec, "xsavec"},
                           {x.xgetbv1, "xgetbv1"},
                           {x.xsaves, "xsaves"},
                           {x.xfd, "xfd"}})
    if (has) fmt::format_to(std::back_inserter(insns), " {}", name);
  line(out, "XSAVE", insns);
  more(out, fmt::format("supported: user {:#x}, supervisor {:#x}", x.supported_user,
                        x.supported_supervisor));
  // The standard-format layout; supervisor components exist only in the compacted format, so
  // they have no standard offset.
  fmt::format_to(std::back_inserter(out), "  {:>5}  {:<14} {:>8} {:>6}  {:<7}  {:<10}  {:<3}  {}\n",
                 "index", "name", "offset", "size", "align64", "supervisor", "xfd", "enabled");
  for (unsigned i = 0; i < 64; ++i) {
    if (!x.has(i)) continue;
    const XsaveComponentInfo& c = x.component(i);
    const std::string offset = c.supervisor ? "-" : fmt::format("{:#x}", c.offset);
    fmt::format_to(std::back_inserter(out),
                   "  {:>5}  {:<14} {:>8} {:>6}  {:<7}  {:<10}  {:<3}  {}\n", i,
                   xsave_component_name(i), offset, c.size, yes_no(c.align64), yes_no(c.supervisor),
                   yes_no(c.xfd), yes_no(m.xcr0_has(i)));
  }
  line(out, "Sizes",
       fmt::format("standard {} ({:#x}) bytes for XCR0, {} ({:#x}) for everything supported",
                   x.size_enabled, x.size_enabled, x.size_max, x.size_max));
  more(out, fmt::format("compacted {} ({:#x}) bytes for XCR0|IA32_XSS", x.size_compacted_enabled,
                        x.size_compacted_enabled));
}

void auxv_section(std::string& out, const Machine& m) {
  line(out, "AT_HWCAP", fmt::format("{:#x}", m.auxv.hwcap));
  line(out, "AT_HWCAP2",
       fmt::format("{:#x}: FSGSBASE {}; RD/WRFSBASE {}", m.auxv.hwcap2,
                   m.auxv.hwcap2_fsgsbase ? "enabled by the kernel" : "not enabled",
                   m.fsgsbase_instructions() ? "usable" : "not usable, arch_prctl instead"));
  line(out, "AT_MINSIGSTKSZ",
       m.auxv.minsigstksz ? fmt::format("{} bytes", m.auxv.minsigstksz)
                          : std::string("not provided"));
}

void frame_section(std::string& out, const SignalFrameFacts& f) {
  if (!f.measured) {
    line(out, "Signal frame", f.error.empty() ? "not measured" : "not measured: " + f.error);
    return;
  }
  line(out, "Signal frame",
       fmt::format("{} bytes from the altstack top to the handler, {} bytes written", f.frame_size,
                   f.footprint));
  if (!f.has_xstate_magic) {
    more(out, "no FP_XSTATE_MAGIC1: the frame holds only the legacy FXSAVE area");
  } else {
    more(out, fmt::format("xstate_size {}, extended_size {}", f.xstate_size, f.extended_size));
    more(out, fmt::format("xfeatures {:#x}: {}", f.xfeatures, xsave_mask_names(f.xfeatures)));
    more(out, fmt::format("XSTATE_BV {:#x}: {}", f.xstate_bv, xsave_mask_names(f.xstate_bv)));
    const bool compacted = (f.xcomp_bv >> 63) & 1;
    more(out, fmt::format("XCOMP_BV {:#x}{}", f.xcomp_bv,
                          compacted ? " (compacted format)" : " (standard format)"));
  }
  if (!f.error.empty()) more(out, "error: " + f.error);
}

void environment_section(std::string& out, const Machine& m) {
  const EnvironmentInfo& e = m.env;
  std::string hv = "none";
  if (e.hypervisor) {
    hv = e.hypervisor_vendor.empty() ? "present, no signature" : e.hypervisor_vendor;
    if (!e.hypervisor_name.empty() && e.hypervisor_name != e.hypervisor_vendor)
      hv += " (" + e.hypervisor_name + ")";
  }
  std::string traced = e.ptraced ? fmt::format("traced by pid {}", e.tracer_pid) : "not traced";
  line(
      out, "Environment",
      fmt::format("{}; hypervisor {}; qemu-user {}; valgrind {}; gVisor {}; user-mode Linux {}; {}",
                  e.kind(), hv, yes_no(e.qemu_user), yes_no(e.valgrind), yes_no(e.gvisor),
                  yes_no(e.uml), traced));
  if (!e.kernel_hypervisor.empty())
    more(out, "the kernel detected hypervisor " + e.kernel_hypervisor);
  if (!e.emulator_path.empty()) more(out, "emulator executable: " + e.emulator_path);
}

std::string microseconds(double ns) {
  return ns > 0 ? fmt::format("{:.1f} us", ns / 1000) : std::string("not measured");
}

void platform_section(std::string& out, const PlatformCapabilities& p) {
  if (!p.probed) {
    line(out, "Platform", "not probed");
    return;
  }
  line(out, "Platform",
       fmt::format("one delivery with the irritating handler {}{}; getppid {}",
                   microseconds(p.delivery_ns),
                   p.handler_delay_ns > 0 ? fmt::format(" (with {} of delay added on purpose)",
                                                        microseconds(p.handler_delay_ns))
                                          : "",
                   microseconds(p.syscall_ns)));
  more(out, fmt::format("clock {}, resolution {} ns, smallest step seen {} ns; CPUs: {} online, "
                        "{} allowed",
                        p.clock.source.empty() ? "unknown" : p.clock.source, p.clock.resolution_ns,
                        p.clock.step_ns, p.online_cpus, p.allowed_cpus));
  for (const CapabilityField& f : capability_fields()) {
    const Capability& c = p.*f.member;
    more(out, fmt::format("{:<18} {:<8} {}", f.name, capability_state_name(c.state), c.detail));
  }
}

}  // namespace

std::string machine_to_text(const Machine& m) {
  std::string out;
  cpu_section(out, m);
  xsave_section(out, m);
  auxv_section(out, m);
  frame_section(out, m.frame);
  line(out, "Kernel",
       m.os.sysname.empty()
           ? std::string("unknown")
           : fmt::format("{} {} {} {}", m.os.sysname, m.os.release, m.os.version, m.os.machine));
  const std::string libc = m.os.libc_name.empty() ? "unknown" : m.os.libc_name;
  line(out, "libc",
       m.os.libc_version.empty() ? libc + " (version unknown)" : libc + " " + m.os.libc_version);
  environment_section(out, m);
  platform_section(out, m.platform);
  return out;
}

}  // namespace sigctx
