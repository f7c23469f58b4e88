// What the guest's init and the host say to each other. The console (ttyS0, shared with the
// kernel's own messages) carries marker lines; the result travels alone on the second serial
// port (ttyS1), framed with its length and a checksum, so a truncated or garbled copy is caught
// rather than half-read. QEMU's exit status decides nothing (a panicking guest also exits 0
// with -no-reboot): the markers and the frame do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sigctx {

constexpr std::string_view kGuestStartedLine = "sigctx-vm: started";          // + " sigctx VERSION"
constexpr std::string_view kGuestDoneLine = "sigctx-vm: done, exit status ";  // + N
constexpr std::string_view kGuestErrorLine = "sigctx-vm: error: ";            // + why

// The guest's files in the initramfs: its run arguments (NUL-separated) and the expectation
// files --expect named on the host.
constexpr const char* kGuestArgsPath = "sigctx/args";
constexpr const char* kGuestExpectDir = "sigctx/expect";
// The host's vm command line that boots this guest ("sigctx vm --kernel debian:6.12 --cpu max"):
// the guest's run prints its reproduce lines as "<this> -- <run options>". The guest's init
// hands it to the run in the environment variable kReproduceViaEnv.
constexpr const char* kGuestReproducePath = "sigctx/reproduce";
constexpr const char* kReproduceViaEnv = "SIGCTX_REPRODUCE_VIA";
// The initramfs path of the i-th --expect file; the guest reads it at "/" + this.
std::string guest_expect_path(size_t i);

// QEMU's warnings about CPU model features TCG lacks (one line per feature per CPU): noise on
// the console, never an error.
constexpr std::string_view kQemuWarningPrefix = "qemu-system-x86_64: warning: ";

std::string frame_result(std::string_view json);
// The JSON of the first complete, intact frame in `channel`: false with *error otherwise.
bool unframe_result(std::string_view channel, std::string* json, std::string* error);

struct ConsoleReading {
  bool started = false;
  bool done = false;
  int exit_status = -1;
  std::string guest_error;  // the text of a "sigctx-vm: error:" line
  std::string panic;        // "Kernel panic - not syncing: ..."
  // Oops, BUG:, WARNING:, general protection fault and similar lines the kernel printed.
  std::vector<std::string> kernel_problems;
  // "qemu-system-x86_64: ..." lines other than warnings: QEMU refusing to start.
  std::vector<std::string> emulator_errors;
};
ConsoleReading read_console(std::string_view console);

}  // namespace sigctx
