#include "runners/vm/guest_init.h"

#include <fcntl.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "results/json_lines.h"
#include "runners/vm/guest_protocol.h"
#include "sigctx_version.h"

namespace sigctx {

namespace {

constexpr const char* kResultPath = "/tmp/result.json";

void say(const std::string& line) {
  const std::string text = line + "\n";
  (void)!write(STDOUT_FILENO, text.data(), text.size());
}

void mount_or_say(const char* source, const char* target, const char* type) {
  mkdir(target, 0755);
  if (mount(source, target, type, 0, nullptr) != 0 && errno != EBUSY)
    say(fmt::format("{}mount {} on {}: {}", kGuestErrorLine, type, target, std::strerror(errno)));
}

std::vector<std::string> read_arguments() {
  std::ifstream in(std::string("/") + kGuestArgsPath, std::ios::binary);
  std::vector<std::string> args;
  for (std::string a; std::getline(in, a, '\0');)
    args.push_back(a);
  return args;
}

// The run as a child: its exit status, or 128 + the signal that killed it.
int run_child(const std::vector<std::string>& run_args) {
  const pid_t child = fork();
  if (child == 0) {
    std::vector<std::string> args = {"sigctx", "run"};
    args.insert(args.end(), run_args.begin(), run_args.end());
    args.insert(args.end(), {"--json", kResultPath});
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    setenv("NO_COLOR", "1", 1);  // the console is a terminal, but the host keeps a log of it
    // Reproduce lines on the console name the host's vm command, not the guest's run, which
    // pasted on the host would test the host's kernel.
    std::string via, why;
    if (read_text_file(std::string("/") + kGuestReproducePath, &via, &why) && !via.empty())
      setenv(kReproduceViaEnv, via.c_str(), 1);
    execv("/init", argv.data());
    say(fmt::format("{}exec /init: {}", kGuestErrorLine, std::strerror(errno)));
    _exit(127);
  }
  if (child < 0) {
    say(fmt::format("{}fork: {}", kGuestErrorLine, std::strerror(errno)));
    return 127;
  }
  // As init, this process inherits every orphan (the cases fork): reap them all until the
  // run itself ends.
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) return 127;
    if (pid != child) continue;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }
}

// The result on ttyS1, raw (no newline translation); on the console when there is no ttyS1,
// where the frame's checksum still guards it against interleaved kernel messages.
void send_result() {
  std::string text, why;
  if (!read_text_file(kResultPath, &text, &why)) {
    say(fmt::format("{}the run wrote no result: {}", kGuestErrorLine, why));
    return;
  }
  const std::string frame = frame_result(text);
  int fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
  termios t{};
  if (fd >= 0 && tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
  } else {
    if (fd >= 0) close(fd);
    say(fmt::format("{}no second serial port (/dev/ttyS1: {}); the result follows on the console",
                    kGuestErrorLine, std::strerror(errno)));
    fd = STDOUT_FILENO;
  }
  // An emulated UART moves a few KiB a second: say how far the transfer is, every 2 seconds,
  // rather than leave the console silent for a minute after the summary.
  const bool progress = fd != STDOUT_FILENO;
  const auto start = std::chrono::steady_clock::now();
  auto said = start;
  if (progress)
    say(fmt::format("sigctx-vm: sending the result ({} KiB) over the second serial port",
                    (frame.size() + 1023) / 1024));
  constexpr size_t kChunk = 4096;
  for (size_t done = 0; done < frame.size();) {
    const ssize_t n = write(fd, frame.data() + done, std::min(kChunk, frame.size() - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      say(fmt::format("{}writing the result: {}", kGuestErrorLine, std::strerror(errno)));
      break;
    }
    done += static_cast<size_t>(n);
    const auto now = std::chrono::steady_clock::now();
    if (progress && now - said >= std::chrono::seconds(2) && done < frame.size()) {
      say(fmt::format("sigctx-vm: sent {} of {} KiB", done / 1024, (frame.size() + 1023) / 1024));
      said = now;
    }
  }
  tcdrain(fd);
  if (progress)
    say(fmt::format(
        "sigctx-vm: result sent in {:.1f} s",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
}

[[noreturn]] void power_off(int status) {
  sync();
  // QEMU's isa-debug-exit (iobase 0xf4): QEMU exits with (value << 1) | 1.
  if (ioperm(0xf4, 4, 1) == 0) outl(static_cast<unsigned>(status), 0xf4);
  // bochs ends on "Shutdown" written to port 0x8900.
  if (ioperm(0x8900, 1, 1) == 0)
    for (const char* c = "Shutdown"; *c; ++c)
      outb(static_cast<unsigned char>(*c), 0x8900);
  reboot(RB_POWER_OFF);
  for (;;)
    pause();
}

}  // namespace

bool is_guest_init() {
  return getpid() == 1 && access((std::string("/") + kGuestArgsPath).c_str(), R_OK) == 0;
}

void guest_init_main() {
  mount_or_say("proc", "/proc", "proc");
  mount_or_say("sysfs", "/sys", "sysfs");
  mount_or_say("devtmpfs", "/dev", "devtmpfs");
  mount_or_say("tmpfs", "/tmp", "tmpfs");
  say(fmt::format("{} sigctx {} (git {})", kGuestStartedLine, SIGCTX_VERSION, SIGCTX_GIT_REVISION));
  const int status = run_child(read_arguments());
  send_result();
  say(fmt::format("{}{}", kGuestDoneLine, status));
  tcdrain(STDOUT_FILENO);  // bochs stops at once on shutdown: the line must be out first
  power_off(status);
}

}  // namespace sigctx
