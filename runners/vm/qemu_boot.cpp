// The QEMU back end: qemu-system-x86_64 with the console on stdout (a pipe to us), the result
// channel on a second serial port written to a file, and isa-debug-exit for the guest's exit
// status. TCG by default: it emulates the named CPU model whatever the host is, and KVM on
// these machines is a nested backend that cannot run the guests (../shared/notes/emulators.md).
#include <fmt/format.h>
#include <cstdio>
#include <sstream>

#include "results/json_lines.h"
#include "runners/vm/child_process.h"
#include "runners/vm/guest_protocol.h"
#include "runners/vm/vm_boot.h"

namespace sigctx {

EmulatorRun run_qemu(const VmSpec& spec, const std::string& initramfs) {
  EmulatorRun r;
  const std::string channel = spec.work_dir + "/channel.txt";
  std::remove(channel.c_str());
  r.command = {"qemu-system-x86_64", "-nodefaults", "-no-reboot", "-display", "none",
               "-monitor",           "none"};
  std::stringstream accels(spec.accel);
  for (std::string a; std::getline(accels, a, ':');)
    r.command.insert(r.command.end(), {"-accel", a});
  r.command.insert(
      r.command.end(),
      {"-cpu", spec.cpu, "-smp", std::to_string(spec.smp), "-m", std::to_string(spec.memory_mib),
       "-kernel", spec.kernel, "-initrd", initramfs, "-append", guest_command_line(spec), "-serial",
       "stdio", "-serial", "file:" + channel, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"});
  if (find_program(r.command[0]).empty()) {
    r.error = "qemu-system-x86_64 is not installed (Debian: qemu-system-x86)";
    return r;
  }
  // The console is streamed line by line, without QEMU's warnings about model features TCG
  // lacks (pcid, x2apic, ...: one line per feature per CPU); the log keeps them.
  std::string pending;
  const ChildOutcome c = run_child_process(r.command, spec.timeout_s, [&](std::string_view s) {
    r.console.append(s);
    if (!spec.stream_console) return;
    pending.append(s);
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, eol + 1);
      pending.erase(0, eol + 1);
      std::erase(line, '\r');
      if (line.rfind(kQemuWarningPrefix, 0) == 0) continue;
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    std::fflush(stdout);
  });
  if (!record_emulator_end(c, &r)) return r;
  std::string why;
  read_text_file(channel, &r.channel, &why);  // absent when the guest never wrote to it
  return r;
}

}  // namespace sigctx
