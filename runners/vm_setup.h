// What `sigctx vm` and `sigctx matrix` share: the static guest binary, the guest's run
// arguments, the kernel image each emulator boots, and the exit status a verdict means.
#pragma once

#include <string>
#include <vector>

#include "runners/commands.h"
#include "runners/vm/vm_boot.h"

namespace sigctx {

// `given`, or this binary when it is static, or sigctx-static beside it (the default build links
// both), or build-static/sigctx beside this binary's build folder (the static preset): false
// with *error naming what was tried.
bool find_guest_binary(const std::string& given, std::string* path, std::string* error);

// The tokens after `--` as the guest's `sigctx run` arguments: checked here first, so a bad
// option fails before any boot; --json, --junit and --tap stay on the host (*host_outputs);
// --expect files travel in the initramfs. Without --jobs the guest runs smp cases at once, and
// without --timeout a case may take 120 s (TCG is slow).
struct GuestRun {
  std::vector<std::string> args;
  std::vector<std::string> expect_files;
  RunOptions options;  // as parsed
};
bool parse_guest_run(const std::vector<std::string>& tokens, unsigned smp, GuestRun* out,
                     std::string* error);

// The image to boot: a path, or debian:SPEC fetched into the cache. QEMU boots the vmlinux
// inside a bzImage when it has a PVH entry (twice as fast); bochs boots the bzImage.
struct KernelChoice {
  std::string image, name;
};
bool choose_kernel(const std::string& kernel, Emulator emulator, const std::string& work_dir,
                   KernelChoice* out, std::string* error);

bool parse_emulator(const std::string& name, Emulator* out);
// A user-mode Linux kernel to run: "uml" (Debian's linux.uml from PATH) or an executable ELF
// file; empty with *error when it is neither.
std::string uml_kernel_path(const std::string& kernel, std::string* error);

// A Debian kernel as each emulator boots it: QEMU the decompressed vmlinux, bochs (through GRUB)
// the bzImage.
struct CachedKernel;
std::string bootable_image(const CachedKernel& k, Emulator emulator);

// The guest's CPUs: --smp, but one under bochs.
unsigned guest_cpus(const VmOptions& o, Emulator emulator);
// The VmSpec both commands share: emulator, guest binary and run, CPU model, kernel options,
// accelerator, CPUs, memory and time limit. The caller adds the kernel and the work directory.
VmSpec guest_spec(const VmOptions& o, Emulator emulator, const GuestRun& guest,
                  const std::string& guest_binary);

// A usage error of vm or matrix: printed, and 2, or under --bisect 128 (abort the bisection).
int vm_usage_error(bool bisect, const std::string& message);

// For --bisect: 0 when the run completed and passed, 1 when a case failed or the guest
// panicked or hung after sigctx started, 125 when the kernel never started sigctx or every
// case skipped, 128 when the emulator could not run.
int bisect_status(const VmOutcome& o);

// One line for the end of a vm run or a matrix cell.
std::string describe_outcome(const VmSpec& spec, const VmOutcome& o);

}  // namespace sigctx
