// sigctx matrix --kernels LIST --cpus LIST [--append-variants LIST] [--emulator qemu|bochs]
//               [--bisect] [-- run options]
//
// Every combination of kernel, CPU model and kernel options, booted `--jobs` at a time (two by
// default: TCG is one host thread per guest CPU), each cell's result in OUT/CELL.json and the
// whole as OUT/matrix.html and OUT/matrix.md. A cell whose guest panicked or hung is one
// vm/boot error in its column. With --bisect the kernels are taken as ordered oldest first, the
// oldest assumed good and the newest bad, and the first bad one is searched for by halving.
#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "base/exit_cleanup.h"
#include "results/output_file.h"
#include "results/report.h"
#include "results/run_result.h"
#include "runners/commands.h"
#include "runners/kernel_bisect.h"
#include "runners/vm/debian_kernels.h"
#include "runners/vm_setup.h"

namespace sigctx {

namespace {

namespace fs = std::filesystem;

struct KernelEntry {
  std::string spec;  // as given
  std::string name;  // release or file name
  DebianKernel debian;
  bool is_debian = false;
};

struct Cell {
  size_t kernel = 0;
  std::string cpu, append, name;
};

std::string file_safe(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+') c = '-';
  return s;
}

}  // namespace

int matrix_command(const VmOptions& vo, const MatrixOptions& mo) {
  const bool bisect = vo.bisect;
  auto usage = [&](const std::string& message) { return vm_usage_error(bisect, message); };
  Emulator emulator;
  if (!parse_emulator(vo.emulator, &emulator))
    return usage(fmt::format("--emulator: '{}' is not qemu, bochs or uml", vo.emulator));
  GuestRun guest;
  std::string error;
  if (!parse_guest_run(vo.run_tokens, guest_cpus(vo, emulator), &guest, &error))
    return usage(error);
  if (!guest.options.json_path.empty() || !guest.options.junit_path.empty())
    return usage(
        "matrix writes one result file per cell under --out; --json and --junit do not "
        "apply");
  std::string guest_binary;
  if (!find_guest_binary(vo.guest_binary, &guest_binary, &error)) return usage(error);

  const bool uml = emulator == Emulator::kUml;
  std::vector<std::string> kernel_specs = mo.kernels;
  if (kernel_specs.empty())
    kernel_specs = emulator == Emulator::kBochs ? std::vector<std::string>{"6.1-cloud"}
                   : uml                        ? std::vector<std::string>{"uml"}
                         : std::vector<std::string>{"6.1", "6.12", "6.12-rt"};
  std::vector<std::string> cpus = mo.cpus;
  if (uml && !cpus.empty()) return usage("--cpus: user-mode Linux runs on this machine's CPU");
  if (cpus.empty())
    cpus = emulator == Emulator::kBochs
               ? std::vector<std::string>{"corei7_skylake_x", "corei7_icelake_u", "tigerlake"}
           : uml ? std::vector<std::string>{"host"}
                 : std::vector<std::string>{"Nehalem", "SandyBridge", "Haswell", "max"};
  std::vector<std::string> variants = mo.append_variants;
  if (variants.empty())
    variants = uml ? std::vector<std::string>{"none"} : std::vector<std::string>{"none", "noxsave"};
  if (bisect && (cpus.size() != 1 || variants.size() != 1))
    return usage("--bisect searches kernels: give one --cpus model and one --append-variants");

  // Kernels: paths as they are, anything else resolved against apt's lists.
  std::vector<KernelEntry> kernels;
  for (const std::string& spec : kernel_specs) {
    if (uml) {  // UML kernels are programs here, never fetched
      if (uml_kernel_path(spec, &error).empty()) return usage("--kernels: " + error);
      kernels.push_back(
          {spec, spec == "uml" ? "linux.uml" : fs::path(spec).filename().string(), {}, false});
      continue;
    }
    if (fs::is_regular_file(spec)) {
      kernels.push_back({spec, fs::path(spec).filename().string(), {}, false});
      continue;
    }
    std::vector<DebianKernel> found;
    if (!resolve_debian_kernels(spec, &found, &error)) return usage("--kernels: " + error);
    for (const DebianKernel& k : found)
      kernels.push_back({spec, k.release, k, true});
  }
  if (bisect && kernels.size() < 2)
    return usage("--bisect needs at least two kernels, oldest first (such as --kernels 6.1:all)");
  std::error_code ec;
  fs::create_directories(fs::path(mo.out_dir) / "work", ec);
  if (ec) return usage(fmt::format("--out {}: {}", mo.out_dir, ec.message()));

  // Fetch first, one at a time: the cells of one kernel share its cache entry.
  std::vector<std::string> images(kernels.size());
  for (size_t i = 0; i < kernels.size(); ++i) {
    if (!kernels[i].is_debian) {
      // An image file: QEMU boots the vmlinux inside a bzImage once, for all its cells.
      const std::string dir =
          (fs::path(mo.out_dir) / "work" / fmt::format("kernel-{}", i)).string();
      fs::create_directories(dir, ec);
      KernelChoice kc;
      if (!choose_kernel(kernels[i].spec, emulator, dir, &kc, &error)) return usage(error);
      images[i] = kc.image;
      continue;
    }
    CachedKernel cached;
    fmt::print("matrix: kernel {}\n", kernels[i].name);
    std::fflush(stdout);
    if (!fetch_debian_kernel(kernels[i].debian, &cached, &error))
      return usage(fmt::format("kernel {}: {}", kernels[i].name, error));
    images[i] = bootable_image(cached, emulator);
  }

  std::mutex print_lock;
  auto run_cell = [&](const Cell& c) {
    VmSpec spec = guest_spec(vo, emulator, guest, guest_binary);
    spec.cpu = c.cpu;
    spec.append = c.append;
    spec.work_dir = (fs::path(mo.out_dir) / "work" / c.name).string();
    std::error_code e;
    fs::create_directories(spec.work_dir, e);
    spec.kernel = images[c.kernel];
    spec.kernel_name = kernels[c.kernel].name;
    spec.kernel_arg =
        kernels[c.kernel].is_debian ? "debian:" + kernels[c.kernel].name : kernels[c.kernel].spec;
    std::string why;
    // Keep the console and the channel; the initramfs is the same in every cell. The boot
    // images go however the cell ends, a SIGKILL to sigctx included.
    const std::vector<std::string> boot_files = {
        (fs::path(spec.work_dir) / "initramfs.cpio").string(),
        (fs::path(spec.work_dir) / "boot.iso").string(),
        (fs::path(spec.work_dir) / "iso").string()};
    for (const std::string& f : boot_files)
      remove_at_exit(f);
    VmOutcome out = boot_and_run(spec);
    for (const std::string& f : boot_files)
      remove_now(f);
    const std::string path = (fs::path(mo.out_dir) / (c.name + ".json")).string();
    if (!write_output_file(path, run_result_to_json(out.run).dump(2) + "\n", &why))
      out.error += "; " + why;
    std::lock_guard<std::mutex> l(print_lock);
    fmt::print("matrix: {}\n", describe_outcome(spec, out));
    std::fflush(stdout);
    return out;
  };

  auto cell_for = [&](size_t k, const std::string& cpu, const std::string& variant) {
    const std::string append = variant == "none" ? "" : variant;
    return Cell{k, cpu, append,
                file_safe(fmt::format("{}_{}_{}", kernels[k].name, cpu,
                                      variant == "none" ? "default" : variant))};
  };

  if (bisect) {
    const BisectSearch found = bisect_first_bad(kernels.size(), [&](size_t k) {
      return bisect_status(run_cell(cell_for(k, cpus[0], variants[0])));
    });
    const std::string& oldest = kernels.front().name;
    const std::string& newest = kernels.back().name;
    switch (found.verdict) {
      case BisectSearch::Verdict::kAborted:
        return kExitBisectAbort;
      case BisectSearch::Verdict::kNothingToBisect:
        fmt::print(
            "matrix --bisect: the newest kernel ({}) {} and the oldest ({}) {}: nothing to "
            "bisect\n",
            newest, found.newest == kExitOk ? "is good" : "cannot be tested", oldest,
            found.oldest == kExitFail ? "is bad" : "cannot be tested");
        return kExitFail;
      case BisectSearch::Verdict::kAmbiguous:
        fmt::print(
            "matrix --bisect: the first bad kernel is one of {}..{} (those between could "
            "not be tested)\n",
            kernels[found.last_good + 1].name, kernels[found.first_bad].name);
        return kExitBisectSkip;
      case BisectSearch::Verdict::kFound:
        break;
    }
    fmt::print(
        "matrix --bisect: first bad kernel {} (last good {}), {} of {} kernels booted; "
        "results in {}\n",
        kernels[found.first_bad].name, kernels[found.last_good].name, found.tested.size(),
        kernels.size(), mo.out_dir);
    return kExitOk;
  }

  std::vector<Cell> cells;
  for (size_t k = 0; k < kernels.size(); ++k)
    for (const std::string& cpu : cpus)
      for (const std::string& v : variants)
        cells.push_back(cell_for(k, cpu, v));
  std::vector<VmOutcome> outcomes(cells.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < std::max(1u, mo.jobs); ++w)
    workers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < cells.size();)
        outcomes[i] = run_cell(cells[i]);
    });
  for (std::thread& t : workers)
    t.join();

  std::vector<ReportColumn> columns;
  bool all_ok = true;
  for (size_t i = 0; i < cells.size(); ++i) {
    columns.push_back({cells[i].name, outcomes[i].run});
    all_ok &= outcomes[i].verdict == VmVerdict::kCompleted && outcomes[i].run.summary.ok() &&
              outcomes[i].kernel_problems.empty();
  }
  for (const char* ext : {"html", "md"}) {
    const std::string path = (fs::path(mo.out_dir) / fmt::format("matrix.{}", ext)).string();
    const std::string text =
        std::string(ext) == "html" ? report_html(columns) : report_markdown(columns);
    if (!write_output_file(path, text, &error)) return usage(error);
  }
  fmt::print("matrix: {} cells; {}/matrix.html and matrix.md\n", cells.size(), mo.out_dir);
  return all_ok ? kExitOk : kExitFail;
}

}  // namespace sigctx
