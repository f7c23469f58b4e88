#include "runners/vm_setup.h"

#include <elf.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "results/atomic_file.h"
#include "results/json_lines.h"
#include "runners/run_options.h"
#include "runners/vm/debian_kernels.h"
#include "runners/vm/kernel_image.h"

namespace sigctx {

namespace {

namespace fs = std::filesystem;

bool is_static_elf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr eh{};
  if (!in.read(reinterpret_cast<char*>(&eh), sizeof(eh)) ||
      std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return false;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + uint64_t{i} * eh.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof(ph))) return false;
    if (ph.p_type == PT_INTERP) return false;
  }
  return true;
}

bool has_token(const std::vector<std::string>& tokens, const std::string& option) {
  return std::any_of(tokens.begin(), tokens.end(), [&](const std::string& t) {
    return t == option || t.rfind(option + "=", 0) == 0;
  });
}

}  // namespace

bool find_guest_binary(const std::string& given, std::string* path, std::string* error) {
  if (!given.empty()) {
    if (!is_static_elf(given)) {
      *error = fmt::format("--guest-binary {}: not a static ELF executable", given);
      return false;
    }
    *path = given;
    return true;
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates = {self, self.parent_path() / "sigctx-static",
                                      self.parent_path().parent_path() / "build-static" / "sigctx"};
  for (const fs::path& c : candidates)
    if (fs::exists(c) && is_static_elf(c.string())) {
      *path = c.string();
      return true;
    }
  std::string tried;
  for (const fs::path& c : candidates)
    tried += (tried.empty() ? "" : ", ") + c.string();
  *error = fmt::format(
      "the guest's /init must be a static sigctx, and none was found (tried {}): build it with "
      "'cmake --preset static && cmake --build --preset static', or name one with "
      "--guest-binary",
      tried);
  return false;
}

bool parse_guest_run(const std::vector<std::string>& tokens, unsigned smp, GuestRun* out,
                     std::string* error) {
  if (!parse_run_options(tokens, &out->options, error)) {
    *error = "run options after --: " + *error;
    return false;
  }
  RunOptions o = out->options;
  if (!has_token(tokens, "--jobs")) o.jobs = std::max(1u, smp);
  if (!has_token(tokens, "--timeout")) o.timeout_s = 120;
  out->expect_files = o.expect_files;
  for (size_t i = 0; i < o.expect_files.size(); ++i) {
    if (access(o.expect_files[i].c_str(), R_OK) != 0) {
      *error = fmt::format("--expect {}: {}", o.expect_files[i], std::strerror(errno));
      return false;
    }
    o.expect_files[i] = fmt::format("/sigctx/expect/{}.json", i);
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
  else
    return false;
  return true;
}

bool choose_kernel(const std::string& kernel, Emulator emulator, const std::string& work_dir,
                   KernelChoice* out, std::string* error) {
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
    out->image = emulator == Emulator::kQemu ? cached.vmlinux : cached.vmlinuz;
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
      if (write_file_atomically(path, elf, &why)) out->image = path;
    }
  }
  return true;
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
  const std::string where =
      fmt::format("{} on {} ({}{}{})", spec.kernel_name, spec.cpu,
                  spec.emulator == Emulator::kQemu ? "qemu " + spec.accel : "bochs",
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
