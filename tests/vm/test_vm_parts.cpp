// The host side of sigctx vm without booting anything: the initramfs format, kernel payloads,
// the guest protocol, Debian release resolution, guest run arguments and bisect statuses.
#include <elf.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <gtest/gtest.h>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>

#include "runners/kernel_bisect.h"
#include "runners/vm/cpio_archive.h"
#include "runners/vm/debian_kernels.h"
#include "runners/vm/guest_kernel_notes.h"
#include "runners/vm/guest_protocol.h"
#include "runners/vm/kernel_image.h"
#include "runners/vm_setup.h"

namespace sigctx {
namespace {

// --- initramfs -----------------------------------------------------------------------------

struct CpioEntry {
  std::string name, data;
  uint32_t mode = 0, rdev_major = 0, rdev_minor = 0;
};

// A reader written from the format's description, independent of the writer.
std::vector<CpioEntry> read_newc(const std::string& a) {
  std::vector<CpioEntry> out;
  size_t pos = 0;
  auto field = [&](int i) { return std::stoul(a.substr(pos + 6 + 8 * i, 8), nullptr, 16); };
  while (pos + 110 <= a.size()) {
    EXPECT_EQ(a.substr(pos, 6), "070701");
    CpioEntry e;
    e.mode = field(1);
    const size_t size = field(6);
    e.rdev_major = field(9);
    e.rdev_minor = field(10);
    const size_t namesize = field(11);
    e.name = a.substr(pos + 110, namesize - 1);
    EXPECT_EQ(a[pos + 110 + namesize - 1], '\0');
    size_t data = (pos + 110 + namesize + 3) & ~size_t{3};
    e.data = a.substr(data, size);
    pos = (data + size + 3) & ~size_t{3};
    out.push_back(e);
    if (e.name == "TRAILER!!!") break;
  }
  EXPECT_EQ(pos, a.size());
  return out;
}

TEST(Cpio, NewcEntriesAreAlignedAndEndInTheTrailer) {
  CpioArchive c;
  c.add_directory("dev");
  c.add_char_device("dev/console", 5, 1);
  c.add_file("init",
             std::string("\x7f"
                         "ELF12345",
                         8),
             0755);
  c.add_file("sigctx/args", std::string("--cases\0a/b\0", 12));
  const std::vector<CpioEntry> e = read_newc(c.finish());
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].name, "dev");
  EXPECT_EQ(e[0].mode, 040755u);
  EXPECT_EQ(e[1].mode, 020600u);
  EXPECT_EQ(e[1].rdev_major, 5u);
  EXPECT_EQ(e[1].rdev_minor, 1u);
  EXPECT_EQ(e[2].mode, 0100755u);
  EXPECT_EQ(e[2].data, std::string("\x7f"
                                   "ELF12345",
                                   8));
  EXPECT_EQ(e[3].data, std::string("--cases\0a/b\0", 12));
  EXPECT_EQ(e[4].name, "TRAILER!!!");
}

// --- kernel images -------------------------------------------------------------------------

// A minimal ELF with, when asked, Xen's PHYS32_ENTRY note: what QEMU's PVH boot looks for.
std::string tiny_elf(bool pvh_note) {
  std::string elf(0x200, '\0');
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  std::memcpy(elf.data(), &eh, sizeof(eh));
  Elf64_Phdr ph{};
  ph.p_type = PT_NOTE;
  ph.p_offset = 0x100;
  ph.p_filesz = sizeof(Elf64_Nhdr) + 4 + 4;
  std::memcpy(elf.data() + eh.e_phoff, &ph, sizeof(ph));
  Elf64_Nhdr nh{4, 4, pvh_note ? 18u : 17u};
  std::memcpy(elf.data() + 0x100, &nh, sizeof(nh));
  std::memcpy(elf.data() + 0x100 + sizeof(nh), "Xen\0", 4);
  return elf;
}

// A bzImage: setup header with protocol 2.15 and a payload after (setup_sects + 1) sectors,
// followed, as the kernel's build does, by the uncompressed size.
std::string tiny_bzimage(const std::string& payload, size_t uncompressed) {
  std::string bz(5 * 512, '\0');
  bz[0x1f1] = 4;
  bz[0x1fe] = 0x55;
  bz[0x1ff] = static_cast<char>(0xaa);
  std::memcpy(bz.data() + 0x202, "HdrS", 4);
  const uint16_t version = 0x20f;
  std::memcpy(bz.data() + 0x206, &version, 2);
  const uint32_t offset = 0x40, length = static_cast<uint32_t>(payload.size() + 4);
  std::memcpy(bz.data() + 0x248, &offset, 4);
  std::memcpy(bz.data() + 0x24c, &length, 4);
  bz += std::string(offset, 'x') + payload;
  const uint32_t size = static_cast<uint32_t>(uncompressed);
  bz.append(reinterpret_cast<const char*>(&size), 4);
  return bz;
}

std::string gzip_of(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string xz_of(const std::string& in) {
  std::string out(in.size() + 4096, '\0');
  size_t pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr,
                                    reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                    reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  return out;
}

std::string zstd_of(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 19));
  return out;
}

std::string lz4_legacy_of(const std::string& in) {
  std::string out("\x02\x21\x4c\x18", 4);
  std::string block(static_cast<size_t>(LZ4_compressBound(static_cast<int>(in.size()))), '\0');
  const int n = LZ4_compress_default(in.data(), block.data(), static_cast<int>(in.size()),
                                     static_cast<int>(block.size()));
  const uint32_t size = static_cast<uint32_t>(n);
  out.append(reinterpret_cast<const char*>(&size), 4);
  out.append(block.data(), static_cast<size_t>(n));
  return out;
}

TEST(KernelImage, EveryPayloadCompressionGivesBackTheElf) {
  std::string elf = tiny_elf(true);
  elf += std::string(100000, 'k');  // enough to compress
  for (const auto& [name, payload] :
       std::vector<std::pair<std::string, std::string>>{{"gzip", gzip_of(elf)},
                                                        {"xz", xz_of(elf)},
                                                        {"zstd", zstd_of(elf)},
                                                        {"lz4", lz4_legacy_of(elf)}}) {
    SCOPED_TRACE(name);
    const std::string bz = tiny_bzimage(payload, elf.size());
    EXPECT_EQ(kernel_format(bz), KernelFormat::kBzImage);
    std::string out, error;
    ASSERT_TRUE(extract_vmlinux(bz, &out, &error)) << error;
    EXPECT_EQ(out, elf);
    EXPECT_TRUE(elf_has_pvh_entry(out));
  }
}

TEST(KernelImage, BadPayloadsAreNamed) {
  std::string out, error;
  EXPECT_FALSE(extract_vmlinux(tiny_bzimage("BZh91AY&SY", 10), &out, &error));
  EXPECT_NE(error.find("not gzip, xz, zstd or lz4"), std::string::npos) << error;
  std::string cut = xz_of(tiny_elf(true) + std::string(5000, 'q'));
  cut.resize(cut.size() / 2);
  EXPECT_FALSE(extract_vmlinux(tiny_bzimage(cut, 100), &out, &error));
  EXPECT_NE(error.find("xz payload"), std::string::npos) << error;
  EXPECT_FALSE(extract_vmlinux(tiny_elf(true), &out, &error));
  EXPECT_NE(error.find("not a bzImage"), std::string::npos) << error;
  EXPECT_EQ(kernel_format("#!/bin/sh\n"), KernelFormat::kUnknown);
}

TEST(KernelImage, OnlyXensPhys32EntryNoteCountsAsPvh) {
  EXPECT_TRUE(elf_has_pvh_entry(tiny_elf(true)));
  EXPECT_FALSE(elf_has_pvh_entry(tiny_elf(false)));
}

// --- guest protocol ------------------------------------------------------------------------

TEST(GuestProtocol, AFrameSurvivesNoiseAroundItAndCatchesDamage) {
  const std::string json = "{\"schema\": \"sigctx-result/1\", \"x\": [1, 2, 3]}";
  const std::string frame = frame_result(json);
  std::string out, error;
  ASSERT_TRUE(unframe_result("[ 1.0] noise\n" + frame + "more noise\n", &out, &error)) << error;
  EXPECT_EQ(out, json);

  std::string garbled = frame;
  garbled[garbled.find("[1, 2") + 1] = '7';  // one byte, as a dropped or changed UART byte
  EXPECT_FALSE(unframe_result(garbled, &out, &error));
  EXPECT_NE(error.find("garbled"), std::string::npos) << error;
  EXPECT_FALSE(unframe_result(frame.substr(0, frame.size() / 2), &out, &error));
  EXPECT_NE(error.find("cut short"), std::string::npos) << error;
  EXPECT_FALSE(unframe_result("nothing here\n", &out, &error));
  EXPECT_NE(error.find("no result"), std::string::npos) << error;
}

TEST(GuestProtocol, TheConsoleSaysStartedDonePanicAndKernelProblems) {
  const ConsoleReading clean = read_console(
      "qemu-system-x86_64: warning: TCG doesn't support requested feature: x2apic\n"
      "sigctx-vm: started sigctx 0.1.0\r\nPASS x\r\n"
      "[   12.5] WARNING: CPU: 0 PID: 40 at arch/x86/kernel/fpu/xstate.c:1 foo\r\n"
      "sigctx-vm: done, exit status 1\r\n");
  EXPECT_TRUE(clean.started);
  EXPECT_TRUE(clean.done);
  EXPECT_EQ(clean.exit_status, 1);
  EXPECT_TRUE(clean.panic.empty());
  EXPECT_TRUE(clean.emulator_errors.empty());
  ASSERT_EQ(clean.kernel_problems.size(), 1u);
  EXPECT_EQ(clean.kernel_problems[0].rfind("WARNING: CPU: 0", 0), 0u);

  const ConsoleReading panic =
      read_console("[    1.9] Kernel panic - not syncing: VFS: Unable to mount root fs\n");
  EXPECT_FALSE(panic.started);
  EXPECT_EQ(panic.panic, "Kernel panic - not syncing: VFS: Unable to mount root fs");

  const ConsoleReading refused =
      read_console("qemu-system-x86_64: unable to find CPU model 'Skylake-Nope'\n");
  ASSERT_EQ(refused.emulator_errors.size(), 1u);
}

// --- Debian kernels ------------------------------------------------------------------------

const std::vector<std::string> kPackages = {
    "linux-image-6.1.0-9-amd64-unsigned",
    "linux-image-6.1.0-56-amd64-unsigned",
    "linux-image-6.1.0-56-cloud-amd64-unsigned",
    "linux-image-6.1.0-47-amd64-unsigned",
    "linux-image-6.12.117+deb12-amd64-unsigned",
    "linux-image-6.12.9+deb12-amd64-unsigned",
    "linux-image-6.12.117+deb12-rt-amd64-unsigned",
    "linux-image-amd64",
    "linux-image-6.1.0-56-amd64",
};

TEST(DebianKernels, SeriesResolveToTheNewestOfTheirFlavour) {
  std::vector<DebianKernel> k;
  std::string error;
  ASSERT_TRUE(resolve_debian_kernels("6.1", &k, &error, kPackages)) << error;
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0].release, "6.1.0-56-amd64");
  EXPECT_EQ(k[0].package, "linux-image-6.1.0-56-amd64-unsigned");
  ASSERT_TRUE(resolve_debian_kernels("6.12", &k, &error, kPackages));
  EXPECT_EQ(k[0].release, "6.12.117+deb12-amd64");  // not 6.12.9, nor a 6.1
  ASSERT_TRUE(resolve_debian_kernels("6.12-rt", &k, &error, kPackages));
  EXPECT_EQ(k[0].release, "6.12.117+deb12-rt-amd64");
  ASSERT_TRUE(resolve_debian_kernels("6.1-cloud", &k, &error, kPackages));
  EXPECT_EQ(k[0].release, "6.1.0-56-cloud-amd64");
  ASSERT_TRUE(resolve_debian_kernels("6.1.0-47-amd64", &k, &error, kPackages));
  EXPECT_EQ(k[0].release, "6.1.0-47-amd64");
}

TEST(DebianKernels, AllListsOldestFirstForBisection) {
  std::vector<DebianKernel> k;
  std::string error;
  ASSERT_TRUE(resolve_debian_kernels("6.1:all", &k, &error, kPackages)) << error;
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(k[0].release, "6.1.0-9-amd64");
  EXPECT_EQ(k[1].release, "6.1.0-47-amd64");
  EXPECT_EQ(k[2].release, "6.1.0-56-amd64");
  EXPECT_TRUE(release_older("6.1.0-56-amd64", "6.12.9+deb12-amd64"));
}

TEST(DebianKernels, UnknownNamesAreRefusedWithWhatIsAccepted) {
  std::vector<DebianKernel> k;
  std::string error;
  EXPECT_FALSE(resolve_debian_kernels("5.10", &k, &error, kPackages));
  EXPECT_NE(error.find("no amd64 kernel of series 5.10"), std::string::npos) << error;
  EXPECT_FALSE(resolve_debian_kernels("latest", &k, &error, kPackages));
  EXPECT_NE(error.find("6.12-rt"), std::string::npos) << error;
}

// --- the guest's run and the verdicts --------------------------------------------------------

TEST(GuestRun, OutputsStayOnTheHostAndExpectFilesTravel) {
  const std::string expect = testing::TempDir() + "/expect.json";
  std::ofstream(expect) << "{}";
  GuestRun g;
  std::string error;
  ASSERT_TRUE(parse_guest_run(
      {"--cases", "signal/sync/*", "--json", "out.json", "--expect", expect, "--seed", "7"}, 2, &g,
      &error))
      << error;
  const std::string args = [&] {
    std::string s;
    for (const std::string& a : g.args)
      s += a + " ";
    return s;
  }();
  EXPECT_NE(args.find("--cases signal/sync/* "), std::string::npos) << args;
  EXPECT_NE(args.find("--jobs 2 "), std::string::npos) << args;       // smp, not 1
  EXPECT_NE(args.find("--timeout 120 "), std::string::npos) << args;  // TCG is slow
  EXPECT_NE(args.find("--expect /sigctx/expect/0.json "), std::string::npos) << args;
  EXPECT_NE(args.find("--seed 0x7 "), std::string::npos) << args;
  EXPECT_EQ(args.find("--json"), std::string::npos) << args;
  EXPECT_EQ(g.options.json_path, "out.json");
  ASSERT_EQ(g.expect_files.size(), 1u);
  EXPECT_EQ(g.expect_files[0], expect);

  EXPECT_FALSE(parse_guest_run({"--jobz", "2"}, 2, &g, &error));
  EXPECT_NE(error.find("run options after --"), std::string::npos) << error;
  EXPECT_FALSE(parse_guest_run({"--expect", "/nonexistent.json"}, 2, &g, &error));
  EXPECT_NE(error.find("/nonexistent.json"), std::string::npos) << error;
}

TEST(VmVerdicts, BisectStatusesAreWhatGitBisectRunWants) {
  VmOutcome o;
  o.verdict = VmVerdict::kBootFailure;
  EXPECT_EQ(bisect_status(o), 125);
  o.verdict = VmVerdict::kGuestFailure;
  EXPECT_EQ(bisect_status(o), 1);
  o.verdict = VmVerdict::kHostError;
  EXPECT_EQ(bisect_status(o), 128);
  o.verdict = VmVerdict::kCompleted;
  o.guest_exit = 0;
  o.run.summary.total = o.run.summary.pass = 3;
  EXPECT_EQ(bisect_status(o), 0);
  o.kernel_problems = {"BUG: unable to handle page fault"};
  EXPECT_EQ(bisect_status(o), 1);
  o.kernel_problems.clear();
  o.guest_exit = 1;
  o.run.summary.fail = 1;
  EXPECT_EQ(bisect_status(o), 1);
  o.guest_exit = 0;
  o.run.summary = {};
  o.run.summary.total = o.run.summary.skip = 4;
  EXPECT_EQ(bisect_status(o), 125);
  o.guest_exit = 2;
  EXPECT_EQ(bisect_status(o), 128);
}

// --- matrix --bisect's search -----------------------------------------------------------------

// Kernels 0..n-1 where those from `first_bad` on are bad and `untestable` cannot be tested.
std::function<int(size_t)> kernels_bad_from(size_t first_bad, std::set<size_t> untestable = {}) {
  return [=](size_t i) { return untestable.count(i) ? 125 : i >= first_bad ? 1 : 0; };
}

TEST(KernelBisect, FindsTheFirstBadKernelByHalving) {
  for (size_t n : {2u, 3u, 10u, 33u})
    for (size_t first = 1; first < n; ++first) {
      const BisectSearch s = bisect_first_bad(n, kernels_bad_from(first));
      ASSERT_EQ(s.verdict, BisectSearch::Verdict::kFound) << n << " " << first;
      EXPECT_EQ(s.first_bad, first);
      EXPECT_EQ(s.last_good, first - 1);
      // Both ends, then about log2(n) more.
      size_t steps = 0;
      while ((size_t{1} << steps) < n)
        ++steps;
      EXPECT_LE(s.tested.size(), 2 + steps) << n << " " << first;
    }
}

TEST(KernelBisect, UntestableKernelsAreSteppedOverOrLeaveARange) {
  BisectSearch s = bisect_first_bad(10, kernels_bad_from(7, {4}));  // 4 is the first middle
  ASSERT_EQ(s.verdict, BisectSearch::Verdict::kFound);
  EXPECT_EQ(s.first_bad, 7u);
  EXPECT_EQ(s.last_good, 6u);
  // Untestable kernels right before the first bad one leave a range, as git bisect does.
  s = bisect_first_bad(10, kernels_bad_from(5, {3, 4}));
  ASSERT_EQ(s.verdict, BisectSearch::Verdict::kAmbiguous);
  EXPECT_EQ(s.last_good, 2u);
  EXPECT_EQ(s.first_bad, 5u);
}

TEST(KernelBisect, EndsThatDoNotFrameARegressionAreReported) {
  BisectSearch s = bisect_first_bad(5, kernels_bad_from(9));  // all good
  EXPECT_EQ(s.verdict, BisectSearch::Verdict::kNothingToBisect);
  EXPECT_EQ(s.newest, 0);
  s = bisect_first_bad(5, kernels_bad_from(0));  // all bad
  EXPECT_EQ(s.verdict, BisectSearch::Verdict::kNothingToBisect);
  EXPECT_EQ(s.oldest, 1);
  s = bisect_first_bad(5, [](size_t i) { return i == 2 ? 128 : i >= 3 ? 1 : 0; });
  EXPECT_EQ(s.verdict, BisectSearch::Verdict::kAborted);
}

// A developer's small kernel (tinyconfig-based 6.12, issue 21): one CPU of two, a 4 ms clock, no
// perf, no core_pattern, no madvise. Each is named with the option that brings it back.
TEST(GuestKernelNotes, NameWhatTheGuestsOwnResultShowsMissing) {
  RunResult r;
  r.machine["platform"] = {
      {"online_cpus", 1},
      {"clock", {{"source", "jiffies"}, {"resolution_ns", 4000000}, {"step_ns", 4000000}}},
      {"capabilities",
       {{"perf_events",
         {{"state", "refused"},
          {"detail", "perf_event_open (task-clock): Function not implemented"}}},
        {"core_dumps",
         {{"state", "refused"},
          {"detail", "core_pattern is empty: the kernel writes no core files"}}}}}};
  CaseResult skip;
  skip.id = "alloc/os-zero/dontneed";
  skip.status = Status::kSkip;
  skip.reason =
      "madvise(MADV_DONTNEED): Function not implemented (a kernel built without "
      "CONFIG_ADVISE_SYSCALLS)";
  r.cases.push_back(skip);
  const std::vector<std::string> notes = guest_kernel_notes(r, 2);
  ASSERT_EQ(notes.size(), 5u);
  EXPECT_NE(notes[0].find("1 of the 2 CPUs"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("CONFIG_ACPI"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find("steps of 4.0 ms (clock source jiffies)"), std::string::npos) << notes[1];
  EXPECT_NE(notes[2].find("CONFIG_PERF_EVENTS"), std::string::npos) << notes[2];
  EXPECT_NE(notes[3].find("CONFIG_COREDUMP"), std::string::npos) << notes[3];
  EXPECT_NE(notes[4].find("CONFIG_ADVISE_SYSCALLS"), std::string::npos) << notes[4];
  // A complete kernel (or a result from before the probes) gets none.
  RunResult fine;
  fine.machine["platform"] = {{"online_cpus", 2},
                              {"clock", {{"source", "tsc"}, {"step_ns", 40}}},
                              {"capabilities", nlohmann::json::object()}};
  EXPECT_TRUE(guest_kernel_notes(fine, 2).empty());
  EXPECT_TRUE(guest_kernel_notes(RunResult{}, 2).empty());
}

}  // namespace
}  // namespace sigctx
