// The bochs back end, for CPU models with AVX-512 (corei7_skylake_x, corei7_icelake_u,
// tigerlake): TCG has none. Debian's bochs 2.7 has no headless display and starts in its
// debugger, so it runs under script(1) for a terminal with a command file that says "c"; it
// boots a GRUB rescue ISO (bochs has no direct kernel loading), writes the console and the
// result channel to files through its two COM ports, and ends on the guest's write of
// "Shutdown" to port 0x8900. It ignores SIGTERM when hung: the time limit kills it.
#include <fmt/format.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "results/json_lines.h"
#include "runners/vm/child_process.h"
#include "runners/vm/vm_boot.h"

namespace sigctx {

namespace {

namespace fs = std::filesystem;

std::string read_all(const std::string& path) {
  std::string text, why;
  read_text_file(path, &text, &why);  // absent until bochs writes to it
  return text;
}

}  // namespace

EmulatorRun run_bochs(const VmSpec& spec, const std::string& initramfs) {
  EmulatorRun r;
  for (const char* program : {"bochs", "script", "grub-mkrescue", "xorriso"})
    if (find_program(program).empty()) {
      r.error = fmt::format(
          "{} is not installed (Debian: bochs bochsbios vgabios grub-pc-bin grub-common xorriso "
          "mtools)",
          program);
      return r;
    }
  const fs::path work = fs::absolute(spec.work_dir);
  const fs::path iso_root = work / "iso";
  std::error_code ec;
  fs::remove_all(iso_root, ec);
  fs::create_directories(iso_root / "boot" / "grub", ec);
  fs::copy_file(spec.kernel, iso_root / "boot" / "vmlinuz", fs::copy_options::overwrite_existing,
                ec);
  if (!ec)
    fs::copy_file(initramfs, iso_root / "boot" / "initrd", fs::copy_options::overwrite_existing,
                  ec);
  if (ec) {
    r.error = fmt::format("preparing the bochs ISO: {}", ec.message());
    return r;
  }
  std::ofstream(iso_root / "boot" / "grub" / "grub.cfg")
      << "set timeout=0\nset default=0\nmenuentry sigctx {\n  linux /boot/vmlinuz "
      << guest_command_line(spec) << "\n  initrd /boot/initrd\n}\n";
  const std::string iso = (work / "boot.iso").string();
  std::string mkrescue_log;
  const ChildOutcome mk = run_child_process({"grub-mkrescue", "-o", iso, iso_root.string()}, 120,
                                            [&](std::string_view s) { mkrescue_log.append(s); });
  if (!mk.started || mk.exit_status != 0) {
    r.error = "grub-mkrescue failed: " + (mk.started ? mkrescue_log : mk.error);
    return r;
  }
  const std::string console = (work / "console.txt").string();
  const std::string channel = (work / "channel.txt").string();
  std::remove(console.c_str());
  std::remove(channel.c_str());
  // bochs is single-CPU here; its memory is capped where its BIOS tables stop growing.
  std::ofstream(work / "bochsrc") << fmt::format(
      "megs: {}\n"
      "cpu: model={}, count=1, ips=100000000, reset_on_triple_fault=0, "
      "ignore_bad_msrs=1\n"
      "ata0-master: type=cdrom, path={}, status=inserted\n"
      "boot: cdrom\n"
      "com1: enabled=1, mode=file, dev={}\n"
      "com2: enabled=1, mode=file, dev={}\n"
      "clock: sync=none, time0=local\n"
      "display_library: term\n"
      // Debian's build aborts in its sound mixer thread without a sound card.
      "sound: driver=dummy\n"
      "speaker: enabled=0\n"
      "log: {}\n",
      std::min(spec.memory_mib, 2048u), spec.cpu, iso, console, channel,
      (work / "bochs.log").string());
  std::ofstream(work / "continue.rc") << "c\n";
  r.command = {"script", "-qfec",
               fmt::format("TERM=xterm bochs -q -f {} -rc {}", (work / "bochsrc").string(),
                           (work / "continue.rc").string()),
               "/dev/null"};
  // A panicking guest would reboot into GRUB and run again (bochs has no -no-reboot), so the
  // guest halts on panic (guest_command_line) and the console is watched for it.
  const ChildOutcome c = run_child_process(r.command, spec.timeout_s, nullptr, work.string(), [&] {
    return read_all(console).find("Kernel panic - not syncing") != std::string::npos;
  });
  if (!record_emulator_end(c, &r)) return r;
  r.console = read_all(console);
  r.channel = read_all(channel);
  if (spec.stream_console) {
    std::string text = r.console;
    std::erase(text, '\r');
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return r;
}

}  // namespace sigctx
