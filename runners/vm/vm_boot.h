// One guest boot: the initramfs with a static sigctx as /init, the emulator run under a time
// limit, and the verdict read from the console and the result channel. A guest that panics,
// hangs or never prints its final line is an error, never a pass.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/run_result.h"
#include "runners/vm/child_process.h"

namespace sigctx {

// kUml: the kernel is a user-mode Linux program run on this machine's CPU
// (runners/vm/uml_boot.cpp).
enum class Emulator { kQemu, kBochs, kUml };

struct VmSpec {
  Emulator emulator = Emulator::kQemu;
  std::string kernel;         // QEMU: a bzImage or an ELF vmlinux with a PVH note; bochs: a bzImage
  std::string kernel_name;    // as reports name it ("6.12.117+deb12-amd64"); default: the file name
  std::string kernel_arg;     // as a reproduce line names it ("debian:6.12.117+deb12-amd64")
  std::string cpu = "max";    // QEMU -cpu model, or bochs cpu model
  std::string append;         // kernel options added to the ones sigctx needs
  std::string accel = "tcg";  // QEMU accelerators, in order of preference ("kvm:tcg")
  unsigned smp = 2;
  unsigned memory_mib = 1024;
  double timeout_s = 1800;
  std::string guest_binary;               // a static sigctx
  std::vector<std::string> run_args;      // the guest's `sigctx run` arguments
  std::vector<std::string> expect_files;  // host files the guest's --expect reads
  std::string work_dir;                   // initramfs, console log and result channel
  bool stream_console = false;            // copy the console to stdout as it arrives
};

enum class VmVerdict {
  kCompleted,     // the run finished and its result arrived intact
  kBootFailure,   // the kernel never started sigctx: this kernel cannot be tested
  kGuestFailure,  // sigctx started, then the guest panicked, hung or lost its result
  kHostError,     // the emulator could not be run at all
};

struct VmOutcome {
  VmVerdict verdict = VmVerdict::kHostError;
  std::string error;  // why it did not complete
  int guest_exit = -1;
  RunResult run;  // the guest's, with machine.vm added; for a failure, one vm/boot error
  std::string console;
  std::vector<std::string> kernel_problems;         // Oops, BUG:, WARNING: lines
  std::vector<std::string> kernel_notes;            // what the guest's kernel lacks (options)
  nlohmann::json facts = nlohmann::json::object();  // machine.vm
};

// "sigctx vm --kernel ... --cpu ..." with the options that make this guest again.
std::string vm_command_prefix(const VmSpec& spec);
// The kernel command line sigctx boots with: its own options, then the emulator's, then
// spec.append.
std::string guest_command_line(const VmSpec& spec);
VmOutcome boot_and_run(const VmSpec& spec);

// Emulator back ends: the console and the result channel they captured.
struct EmulatorRun {
  std::string error;  // the emulator could not be started or prepared
  bool timed_out = false;
  int exit_status = -1;
  double seconds = 0;
  std::string console, channel;
  std::vector<std::string> command;
};
EmulatorRun run_qemu(const VmSpec& spec, const std::string& initramfs);
// How the emulator's process ended, into *r; false (with r->error) when it never started.
bool record_emulator_end(const ChildOutcome& c, EmulatorRun* r);
EmulatorRun run_bochs(const VmSpec& spec, const std::string& initramfs);
EmulatorRun run_uml(const VmSpec& spec, const std::string& initramfs);

}  // namespace sigctx
