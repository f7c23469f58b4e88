#include "runners/vm/vm_boot.h"

#include <fmt/format.h>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "results/json_lines.h"
#include "results/result_file.h"
#include "runners/commands.h"
#include "runners/vm/cpio_archive.h"
#include "runners/vm/guest_kernel_notes.h"
#include "runners/vm/guest_protocol.h"
#include "runners/vm/kernel_image.h"
#include "sigctx_version.h"

namespace sigctx {

namespace {

namespace fs = std::filesystem;

// The end of the console, without the emulator's warnings (QEMU names each CPU model feature
// TCG lacks, once per CPU).
std::string console_tail(const std::string& console, size_t n) {
  std::string kept;
  std::stringstream lines(console);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(kQemuWarningPrefix, 0) != 0) kept += line + "\n";
  return kept.size() <= n ? kept : "..." + kept.substr(kept.size() - n);
}

// What a matrix cell or --json holds when there is no guest result: the VM facts, and one
// vm/boot case in error that says why, with the end of the console.
RunResult failed_vm_result(const VmSpec& spec, const VmOutcome& o) {
  RunResult r;
  r.version = SIGCTX_VERSION;
  r.git_revision = SIGCTX_GIT_REVISION;
  r.machine = {{"unavailable", o.error}, {"vm", o.facts}};
  r.options = {{"run", spec.run_args}};
  r.started_at = utc_timestamp_now();
  CaseResult c;
  c.id = "vm/boot";
  c.status = Status::kError;
  c.reason = o.error;
  c.output = console_tail(o.console, 4096);
  std::string args;
  for (const std::string& a : spec.run_args)
    args += " " + a;
  c.reproduce = vm_command_prefix(spec) + " --" + args;
  c.facts = {{"verdict", o.verdict == VmVerdict::kBootFailure ? "boot failure" : "guest failure"}};
  r.summary.add(c);
  r.cases.push_back(std::move(c));
  r.summary.duration_s = o.facts.value("seconds", 0.0);
  return r;
}

std::string emulator_name(Emulator e) {
  switch (e) {
    case Emulator::kQemu:
      return "qemu-system-x86_64";
    case Emulator::kBochs:
      return "bochs";
    case Emulator::kUml:
      return "user-mode Linux";
  }
  return "?";
}

}  // namespace

std::string vm_command_prefix(const VmSpec& spec) {
  std::string s =
      fmt::format("sigctx vm --kernel {}", spec.kernel_arg.empty() ? spec.kernel : spec.kernel_arg);
  if (spec.emulator == Emulator::kBochs) s += " --emulator bochs";
  if (spec.emulator == Emulator::kUml)
    s += " --emulator uml";  // the host's CPU: no model to name
  else
    s += " --cpu " + spec.cpu;
  if (!spec.append.empty()) s += fmt::format(" --append '{}'", spec.append);
  if (spec.emulator == Emulator::kQemu && spec.accel != "tcg") s += " --accel " + spec.accel;
  return s;
}

std::string guest_command_line(const VmSpec& spec) {
  // UML's console is its con0 channel (uml_boot.cpp); on a panic it ends.
  if (spec.emulator == Emulator::kUml)
    return "quiet panic=-1 rdinit=/init" + (spec.append.empty() ? "" : " " + spec.append);
  // QEMU (-no-reboot) exits on a panic's reboot; bochs would boot again, so there it halts.
  std::string line = fmt::format("console=ttyS0,115200 quiet panic={} rdinit=/init",
                                 spec.emulator == Emulator::kQemu ? -1 : 0);
  // bochs 2.7 reports some CPUID leaves wrongly (../shared/notes/emulators.md): the compacted
  // XSAVE size (so XSAVEC/XSAVES go), PKRU's offset, and fsrm and mwaitx, which hang the boot;
  // its TSC runs at the instruction rate.
  if (spec.emulator == Emulator::kBochs)
    line +=
        " nokaslr mitigations=off clearcpuid=xsavec,xsaves,pku,fsrm,mwaitx "
        "tsc_early_khz=100000 cryptomgr.notests";
  if (!spec.append.empty()) line += " " + spec.append;
  return line;
}

bool record_emulator_end(const ChildOutcome& c, EmulatorRun* r) {
  if (!c.started) {
    r->error = c.error;
    return false;
  }
  r->timed_out = c.timed_out;
  r->exit_status = c.exit_status;
  r->seconds = c.seconds;
  return true;
}

VmOutcome boot_and_run(const VmSpec& spec) {
  VmOutcome out;
  const std::string kernel_name =
      spec.kernel_name.empty() ? fs::path(spec.kernel).filename().string() : spec.kernel_name;
  out.facts = {{"emulator", emulator_name(spec.emulator)},
               {"cpu_model", spec.cpu},
               {"kernel", kernel_name},
               {"kernel_image", spec.kernel},
               {"command_line", guest_command_line(spec)},
               {"append", spec.append},
               {"smp", spec.smp},
               {"memory_mib", spec.memory_mib}};
  if (spec.emulator == Emulator::kQemu) out.facts["accel"] = spec.accel;
  // TCG and bochs (with the options above) offer no XSAVEC/XSAVES: only the standard format.
  // UML runs on this machine's CPU, with its own FPU and signal-frame code.
  out.facts["xsave_formats_exercised"] =
      spec.emulator == Emulator::kUml ? "the host CPU's, through user-mode Linux's own FPU code"
                                      : "standard XSAVE only (no XSAVEC/XSAVES)";
  auto fail = [&](VmVerdict v, std::string why) {
    out.verdict = v;
    out.error = std::move(why);
    out.run = failed_vm_result(spec, out);
    return out;
  };

  std::string binary, why;
  if (!read_text_file(spec.guest_binary, &binary, &why))
    return fail(VmVerdict::kHostError, "guest binary " + why);
  if (const std::string why = static_executable_problem(binary); !why.empty())
    return fail(VmVerdict::kHostError, fmt::format("guest binary {} {}", spec.guest_binary, why));

  CpioArchive cpio;
  for (const char* dir : {"dev", "proc", "sys", "tmp", "sigctx", kGuestExpectDir})
    cpio.add_directory(dir);
  cpio.add_char_device("dev/console", 5, 1);
  cpio.add_file("init", binary, 0755);
  std::string args;
  for (const std::string& a : spec.run_args)
    args += a + '\0';
  cpio.add_file(kGuestArgsPath, args);
  cpio.add_file(kGuestReproducePath, vm_command_prefix(spec));
  for (size_t i = 0; i < spec.expect_files.size(); ++i) {
    std::string text;
    if (!read_text_file(spec.expect_files[i], &text, &why))
      return fail(VmVerdict::kHostError, "--expect " + why);
    cpio.add_file(guest_expect_path(i), text);
  }
  std::error_code ec;
  fs::create_directories(spec.work_dir, ec);
  const std::string initramfs = spec.work_dir + "/initramfs.cpio";
  {
    std::ofstream f(initramfs, std::ios::binary | std::ios::trunc);
    const std::string bytes = cpio.finish();
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f)
      return fail(VmVerdict::kHostError, fmt::format("{}: {}", initramfs, std::strerror(errno)));
  }

  const EmulatorRun er = spec.emulator == Emulator::kQemu    ? run_qemu(spec, initramfs)
                         : spec.emulator == Emulator::kBochs ? run_bochs(spec, initramfs)
                                                             : run_uml(spec, initramfs);
  out.console = er.console;
  {
    std::ofstream log(spec.work_dir + "/console.log", std::ios::trunc);
    log << er.console;
  }
  out.facts["seconds"] = er.seconds;
  out.facts["emulator_command"] = er.command;
  if (!er.error.empty()) return fail(VmVerdict::kHostError, er.error);

  const ConsoleReading reading = read_console(er.console);
  out.kernel_problems = reading.kernel_problems;
  if (!reading.kernel_problems.empty()) out.facts["kernel_problems"] = reading.kernel_problems;
  if (!reading.started) {
    // QEMU's own refusals (an unknown -cpu model, an unloadable kernel); its warnings about
    // features TCG lacks are not errors.
    for (const std::string& line : reading.emulator_errors)
      return fail(VmVerdict::kHostError, line);
    if (!reading.panic.empty())
      return fail(VmVerdict::kBootFailure,
                  "the kernel panicked before sigctx started: " + reading.panic);
    if (er.timed_out)
      return fail(VmVerdict::kBootFailure,
                  fmt::format("sigctx did not start within {:.0f} s", spec.timeout_s));
    return fail(VmVerdict::kBootFailure,
                fmt::format("the guest stopped before sigctx started ({} exit status {})",
                            emulator_name(spec.emulator), er.exit_status));
  }
  if (!reading.panic.empty())
    return fail(
        VmVerdict::kGuestFailure,
        "the guest kernel panicked during the run: " + reading.panic +
            (reading.kernel_problems.empty() ? ""
                                             : " (first: " + reading.kernel_problems[0] + ")"));
  if (er.timed_out)
    return fail(VmVerdict::kGuestFailure,
                fmt::format("the guest hung: no final line within {:.0f} s", spec.timeout_s));
  if (!reading.done)
    return fail(VmVerdict::kGuestFailure,
                reading.guest_error.empty()
                    ? fmt::format("the guest stopped without its final line ({} exit status {})",
                                  emulator_name(spec.emulator), er.exit_status)
                    : "the guest's init: " + reading.guest_error);
  // The second serial port, or the console when the guest had none (it says so there).
  std::string json, console_why;
  if (!unframe_result(er.channel, &json, &why) && !unframe_result(er.console, &json, &console_why))
    return fail(VmVerdict::kGuestFailure, "the guest's result: " + why);
  if (!read_result_text(json, "the guest's result", &out.run, &why))
    return fail(VmVerdict::kGuestFailure, why);
  out.guest_exit = reading.exit_status;
  // A failure reproduces in the same guest: the run's own line after the vm command.
  for (CaseResult& c : out.run.cases)
    if (c.reproduce.rfind("sigctx run ", 0) == 0)
      c.reproduce = vm_command_prefix(spec) + " -- " + c.reproduce.substr(11);
  // isa-debug-exit makes QEMU exit with (value << 1) | 1: a second witness of the status.
  if (spec.emulator == Emulator::kQemu)
    out.facts["debug_exit_agrees"] = er.exit_status == ((out.guest_exit << 1) | 1);
  out.kernel_notes = guest_kernel_notes(out.run, spec.smp);
  if (!out.kernel_notes.empty()) out.facts["kernel_notes"] = out.kernel_notes;
  out.run.machine["vm"] = out.facts;
  out.verdict = VmVerdict::kCompleted;
  return out;
}

}  // namespace sigctx
