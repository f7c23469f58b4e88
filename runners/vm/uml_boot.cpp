// The user-mode Linux back end: the kernel is a host program (Debian's linux.uml, or the `linux`
// that `make ARCH=um` builds in a kernel tree), so a UML build bisects like any other kernel. It
// gets the initramfs as its initrd; its console is our pipe (con0=fd:0,fd:1) and its second
// serial line the result channel, a file it inherits as descriptor 3 (ssl1=fd:3). UML runs the
// guest on the host's CPU, with its own signal-frame and FPU code: the environment kernel
// developers meet when KUnit runs on UML. It powers off through reboot(2), which ends the
// process.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "results/json_lines.h"
#include "runners/vm/child_process.h"
#include "runners/vm/vm_boot.h"

namespace sigctx {

namespace {

// UML takes its kernel command line as its arguments, one option each.
std::vector<std::string> options_of(const std::string& command_line) {
  std::vector<std::string> out;
  std::istringstream words(command_line);
  for (std::string w; words >> w;)
    out.push_back(w);
  return out;
}

}  // namespace

EmulatorRun run_uml(const VmSpec& spec, const std::string& initramfs) {
  EmulatorRun r;
  const std::string channel = spec.work_dir + "/channel.txt";
  const int channel_fd = open(channel.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (channel_fd < 0) {
    r.error = fmt::format("{}: {}", channel, std::strerror(errno));
    return r;
  }
  r.command = {spec.kernel,
               fmt::format("mem={}M", spec.memory_mib),
               "initrd=" + initramfs,
               "con0=fd:0,fd:1",
               "con=null",
               "ssl=null",
               "ssl1=fd:3"};
  for (const std::string& option : options_of(guest_command_line(spec)))
    r.command.push_back(option);
  std::string pending;
  const ChildOutcome c = run_child_process(
      r.command, spec.timeout_s,
      [&](std::string_view s) {
        r.console.append(s);
        if (!spec.stream_console) return;
        std::fwrite(s.data(), 1, s.size(), stdout);
        std::fflush(stdout);
      },
      "", {}, channel_fd);
  close(channel_fd);
  if (!record_emulator_end(c, &r)) return r;
  std::string why;
  read_text_file(channel, &r.channel, &why);
  return r;
}

}  // namespace sigctx
