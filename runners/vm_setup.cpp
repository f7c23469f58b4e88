#include "runners/vm_setup.h"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "results/json_lines.h"
#include "results/output_file.h"
#include "runners/case_registry.h"
#include "runners/run_options.h"
#include "runners/vm/child_process.h"
#include "runners/vm/debian_kernels.h"
#include "runners/vm/guest_protocol.h"
#include "runners/vm/kernel_image.h"

namespace sigctx {

namespace {

namespace fs = std::filesystem;

// A usable guest /init on disk: read whole, as the initramfs will hold it.
std::string static_file_problem(const std::string& path) {
  std::string bytes, why;
  if (!read_text_file(path, &bytes, &why)) return why;
  return static_executable_problem(bytes);
}

}  // namespace

bool find_guest_binary(const std::string& given, std::string* path, std::string* error) {
  if (!given.empty()) {
    if (const std::string why = static_file_problem(given); !why.empty()) {
      *error = fmt::format("--guest-binary {} {}", given, why);
      return false;
    }
    *path = given;
    return true;
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const std::vector<fs::path> candidates = {
      self, self.parent_path() / "sigctx-static",
      self.parent_path().parent_path() / "build-static" / "sigctx"};
  for (const fs::path& c : candidates)
    if (fs::exists(c) && static_file_problem(c.string()).empty()) {
      *path = c.string();
      return true;
    }
  std::string tried;
  for (const fs::path& c : candidates)
    tried += (tried.empty() ? "" : ", ") + c.string();
  *error = fmt::format(
      "the guest's /init must be a static sigctx, and none was found (tried {}): build it with "
      "'cmake --build --preset default --target sigctx-static', or name one with "
      "--guest-binary",
      tried);
  return false;
}

bool parse_guest_run(const std::vector<std::string>& tokens, unsigned smp, GuestRun* out,
                     std::string* error) {
  // The guest's own defaults, which the options given replace.
  out->options.jobs = std::max(1u, smp);
  out->options.timeout_s = 120;
  if (!parse_run_options(tokens, &out->options, error)) {
    *error = "run options after --: " + *error;
    return false;
  }
  // A glob that matches no case would make every revision of a bisection "bad": the guest
  // would refuse it after a boot. The case list is the same on both sides, so check it here.
  std::vector<const CaseDescriptor*> selected;
  if (!out->options.cases.empty() && !select_cases(out->options.cases, &selected, error))
    return false;
  RunOptions o = out->options;
  out->expect_files = o.expect_files;
  for (size_t i = 0; i < o.expect_files.size(); ++i) {
    if (access(o.expect_files[i].c_str(), R_OK) != 0) {
      *error = fmt::format("--expect {}: {}", o.expect_files[i], std::strerror(errno));
      return false;
    }
    o.expect_files[i] = fmt::format("/{}", guest_expect_path(i));
  }
  out->args = run_arguments(o);
  out->args.insert(out->args.end(), {"--seed", fmt::format("{:#x}", o.seed)});
  if (o.tap) out->args.push_back("--tap");
  return true;
}

bool parse_emulator(const std::string& name, Emulator* out) {
  if (name == "qemu")
    *out = Emulator::kQemu;
  else if (name == "bochs")
    *out = Emulator::kBochs;
  else if (name == "uml")
    *out = Emulator::kUml;
  else
    return false;
  return true;
}

std::string uml_kernel_path(const std::string& kernel, std::string* error) {
  if (kernel == "uml" || kernel == "debian:uml") {
    const std::string installed = find_program("linux.uml");
    if (installed.empty())
      *error = "--kernel uml: linux.uml is not installed (Debian: user-mode-linux)";
    return installed;
  }
  std::string head;
  std::ifstream f(kernel, std::ios::binary);
  head.resize(4);
  if (!fs::is_regular_file(kernel) || access(kernel.c_str(), X_OK) != 0 ||
      !f.read(head.data(), 4) ||
      head !=
          "\x7f"
          "ELF") {
    *error = fmt::format(
        "--kernel {}: not a user-mode Linux program (an executable ELF file: Debian's linux.uml, "
        "'uml', or the 'linux' that make ARCH=um builds)",
        kernel);
    return "";
  }
  return kernel;
}

bool choose_kernel(const std::string& kernel, Emulator emulator, const std::string& work_dir,
                   KernelChoice* out, std::string* error) {
  if (emulator == Emulator::kUml) {
    out->image = uml_kernel_path(kernel, error);
    out->name = kernel == "uml" || kernel == "debian:uml" ? "linux.uml"
                                                          : fs::path(kernel).filename().string();
    return !out->image.empty();
  }
  if (kernel.rfind("debian:", 0) == 0) {
    std::vector<DebianKernel> found;
    if (!resolve_debian_kernels(kernel.substr(7), &found, error)) return false;
    if (found.size() != 1) {
      *error = fmt::format("--kernel {}: names {} kernels; vm boots one", kernel, found.size());
      return false;
    }
    CachedKernel cached;
    if (!fetch_debian_kernel(found[0], &cached, error)) return false;
    out->name = found[0].release;
    out->image = bootable_image(cached, emulator);
    return true;
  }
  if (!fs::is_regular_file(kernel)) {
    *error =
        fmt::format("--kernel {}: no such file (or debian:SERIES, such as debian:6.12)", kernel);
    return false;
  }
  out->name = fs::path(kernel).filename().string();
  out->image = kernel;
  std::string bytes;
  if (!read_text_file(kernel, &bytes, error)) return false;
  const KernelFormat format = kernel_format(bytes);
  if (format == KernelFormat::kUnknown) {
    *error = fmt::format("--kernel {}: neither a bzImage nor an ELF kernel", kernel);
    return false;
  }
  if (emulator == Emulator::kBochs) {
    if (format != KernelFormat::kBzImage) {
      *error = fmt::format("--kernel {}: bochs boots through GRUB, which needs a bzImage", kernel);
      return false;
    }
    return true;
  }
  if (format == KernelFormat::kBzImage) {
    std::string elf, why;
    if (extract_vmlinux(bytes, &elf, &why) && elf_has_pvh_entry(elf)) {
      const std::string path = work_dir + "/vmlinux";
      if (write_output_file(path, elf, &why)) out->image = path;
    }
  }
  return true;
}

std::string bootable_image(const CachedKernel& k, Emulator emulator) {
  return emulator == Emulator::kQemu ? k.vmlinux : k.vmlinuz;
}

unsigned guest_cpus(const VmOptions& o, Emulator emulator) {
  return emulator == Emulator::kQemu ? o.smp : 1;  // bochs' SMP is slow, UML has one CPU
}

VmSpec guest_spec(const VmOptions& o, Emulator emulator, const GuestRun& guest,
                  const std::string& guest_binary) {
  VmSpec spec;
  spec.emulator = emulator;
  spec.guest_binary = guest_binary;
  spec.cpu = emulator == Emulator::kUml ? "host" : o.cpu;
  spec.append = o.append;
  spec.accel = o.accel;
  spec.smp = guest_cpus(o, emulator);
  spec.memory_mib = o.memory_mib;
  spec.timeout_s = o.vm_timeout_s;
  spec.run_args = guest.args;
  spec.expect_files = guest.expect_files;
  return spec;
}

int vm_usage_error(bool bisect, const std::string& message) {
  fmt::print(stderr, "sigctx: error: {}\n", message);
  return bisect ? kExitBisectAbort : kExitUsage;
}

int bisect_status(const VmOutcome& o) {
  switch (o.verdict) {
    case VmVerdict::kHostError:
      return kExitBisectAbort;
    case VmVerdict::kBootFailure:
      return kExitBisectSkip;
    case VmVerdict::kGuestFailure:
      return kExitFail;
    case VmVerdict::kCompleted:
      break;
  }
  if (o.guest_exit == kExitUsage) return kExitBisectAbort;
  if (!o.kernel_problems.empty() || o.guest_exit != kExitOk || !o.run.summary.ok())
    return kExitFail;
  const Summary& s = o.run.summary;
  if (s.total > 0 && s.skip == s.total) return kExitBisectSkip;
  return kExitOk;
}

std::string describe_outcome(const VmSpec& spec, const VmOutcome& o) {
  const std::string where = fmt::format("{} on {} ({}{}{})", spec.kernel_name, spec.cpu,
                                        spec.emulator == Emulator::kQemu    ? "qemu " + spec.accel
                                        : spec.emulator == Emulator::kBochs ? std::string("bochs")
                                                                            : std::string("uml"),
                                        spec.append.empty() ? "" : ", ", spec.append);
  const double seconds = o.facts.value("seconds", 0.0);
  if (o.verdict != VmVerdict::kCompleted)
    return fmt::format("{}: ERROR after {:.1f} s: {}", where, seconds, o.error);
  const Summary& s = o.run.summary;
  std::string line =
      fmt::format("{}: {} pass, {} fail, {} error, {} xfail, {} skip in {:.1f} s (guest exit {})",
                  where, s.pass, s.fail, s.error, s.xfail, s.skip, seconds, o.guest_exit);
  for (const std::string& p : o.kernel_problems)
    line += "\n  the kernel reported: " + p;
  return line;
}

}  // namespace sigctx
