// sigctx vm --kernel IMAGE [--cpu MODEL] [--append ARGS] [-- run options]
//
// Boots IMAGE under QEMU (or bochs) with a static sigctx as the initramfs's /init, runs the
// guest's `sigctx run`, and returns its results as if they had been run here, with the guest's
// fingerprint and a machine.vm section saying how it was booted. The console streams live; a
// guest that panics, hangs or loses its result is an error (exit 1), and with --bisect the
// exit status is what `git bisect run` wants (runners/vm_setup.h).
#include <stdlib.h>

#include <fmt/format.h>
#include <filesystem>

#include "base/exit_cleanup.h"
#include "results/junit.h"
#include "results/output_file.h"
#include "results/run_result.h"
#include "runners/commands.h"
#include "runners/run_options.h"
#include "runners/vm_setup.h"

namespace sigctx {

namespace {

namespace fs = std::filesystem;

}  // namespace

int vm_command(const VmOptions& o) {
  Emulator emulator;
  if (!parse_emulator(o.emulator, &emulator))
    return vm_usage_error(o.bisect,
                          fmt::format("--emulator: '{}' is not qemu, bochs or uml", o.emulator));
  GuestRun guest;
  std::string error;
  if (!parse_guest_run(o.run_tokens, guest_cpus(o, emulator), &guest, &error))
    return vm_usage_error(o.bisect, error);
  const RunOptions& run = guest.options;
  std::vector<NamedFile> inputs = run_input_files(run);
  if (!o.guest_binary.empty()) inputs.push_back({"--guest-binary", o.guest_binary});
  if (o.kernel.rfind("debian:", 0) != 0) inputs.push_back({"--kernel", o.kernel});
  if (!check_outputs(run_output_files(run), inputs, &error)) return vm_usage_error(o.bisect, error);
  std::string guest_binary;
  if (!find_guest_binary(o.guest_binary, &guest_binary, &error))
    return vm_usage_error(o.bisect, error);

  std::string work = o.keep_dir;
  if (work.empty()) {
    // Gone however sigctx ends, a SIGKILL included (the emulator dies with it too).
    work = make_temporary_directory("sigctx-vm.", &error);
    if (work.empty()) return vm_usage_error(o.bisect, "cannot make a work directory: " + error);
  }
  KernelChoice kernel;
  std::error_code ec;
  fs::create_directories(work, ec);
  if (!choose_kernel(o.kernel, emulator, work, &kernel, &error)) {
    if (o.keep_dir.empty()) remove_now(work);
    return vm_usage_error(o.bisect, error);
  }
  VmSpec spec = guest_spec(o, emulator, guest, guest_binary);
  spec.kernel = kernel.image;
  spec.kernel_name = kernel.name;
  spec.kernel_arg = o.kernel;
  spec.work_dir = work;
  spec.stream_console = !o.quiet;

  const VmOutcome out = boot_and_run(spec);
  fmt::print("vm: {}\n", describe_outcome(spec, out));
  for (const std::string& note : out.kernel_notes)
    fmt::print(stderr, "sigctx: warning: guest kernel: {}\n", note);
  if (out.verdict != VmVerdict::kCompleted && o.quiet)
    fmt::print("vm: the console ended with:\n{}\n", out.run.cases.front().output);
  if (!o.keep_dir.empty())
    fmt::print("vm: initramfs, console.log and the result channel are in {}\n", work);
  else
    remove_now(work);

  if (!run.json_path.empty() &&
      !write_output_file(run.json_path, run_result_to_json(out.run).dump(2) + "\n", &error))
    return vm_usage_error(o.bisect, "--json " + error);
  if (!run.junit_path.empty() &&
      !write_output_file(run.junit_path, run_result_to_junit(out.run), &error))
    return vm_usage_error(o.bisect, "--junit " + error);

  if (o.bisect) return bisect_status(out);
  if (out.verdict == VmVerdict::kHostError) return kExitUsage;
  if (out.verdict != VmVerdict::kCompleted) return kExitFail;
  if (!out.kernel_problems.empty() && out.guest_exit == kExitOk) return kExitFail;
  return out.guest_exit;
}

}  // namespace sigctx
