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

// What the options ask for: the emulator, the guest, and the kernels, CPU models and kernel
// option sets whose product is the matrix.
struct MatrixPlan {
  Emulator emulator{};
  GuestRun guest;
  std::string guest_binary;
  std::vector<KernelEntry> kernels;
  std::vector<std::string> cpus, variants;
  std::vector<std::string> images;  // per kernel, what the emulator boots
};

std::vector<std::string> or_default(const std::vector<std::string>& given,
                                    std::vector<std::string> fallback) {
  return given.empty() ? fallback : given;
}

// Kernels: paths as they are, anything else resolved against apt's lists. "" or the error.
std::string resolve_kernels(const MatrixOptions& mo, MatrixPlan& plan) {
  const bool uml = plan.emulator == Emulator::kUml;
  const std::vector<std::string> kernel_specs = or_default(
      mo.kernels, plan.emulator == Emulator::kBochs ? std::vector<std::string>{"6.1-cloud"}
                  : uml                             ? std::vector<std::string>{"uml"}
                        : std::vector<std::string>{"6.1", "6.12", "6.12-rt"});
  std::string error;
  for (const std::string& spec : kernel_specs) {
    if (uml) {  // UML kernels are programs here, never fetched
      if (uml_kernel_path(spec, &error).empty()) return "--kernels: " + error;
      plan.kernels.push_back(
          {spec, spec == "uml" ? "linux.uml" : fs::path(spec).filename().string(), {}, false});
      continue;
    }
    if (fs::is_regular_file(spec)) {
      plan.kernels.push_back({spec, fs::path(spec).filename().string(), {}, false});
      continue;
    }
    std::vector<DebianKernel> found;
    if (!resolve_debian_kernels(spec, &found, &error)) return "--kernels: " + error;
    for (const DebianKernel& k : found)
      plan.kernels.push_back({spec, k.release, k, true});
  }
  return "";
}

// The plan from the options; "" or the usage error.
std::string plan_matrix(const VmOptions& vo, const MatrixOptions& mo, MatrixPlan& plan) {
  if (!parse_emulator(vo.emulator, &plan.emulator))
    return fmt::format("--emulator: '{}' is not qemu, bochs or uml", vo.emulator);
  std::string error;
  if (!parse_guest_run(vo.run_tokens, guest_cpus(vo, plan.emulator), &plan.guest, &error))
    return error;
  if (!plan.guest.options.json_path.empty() || !plan.guest.options.junit_path.empty())
    return "matrix writes one result file per cell under --out; --json and --junit do not "
           "apply";
  if (!find_guest_binary(vo.guest_binary, &plan.guest_binary, &error)) return error;
  const bool uml = plan.emulator == Emulator::kUml;
  if (uml && !mo.cpus.empty()) return "--cpus: user-mode Linux runs on this machine's CPU";
  plan.cpus = or_default(
      mo.cpus, plan.emulator == Emulator::kBochs
                   ? std::vector<std::string>{"corei7_skylake_x", "corei7_icelake_u", "tigerlake"}
               : uml ? std::vector<std::string>{"host"}
                     : std::vector<std::string>{"Nehalem", "SandyBridge", "Haswell", "max"});
  plan.variants = or_default(mo.append_variants, uml ? std::vector<std::string>{"none"}
                                                     : std::vector<std::string>{"none", "noxsave"});
  if (vo.bisect && (plan.cpus.size() != 1 || plan.variants.size() != 1))
    return "--bisect searches kernels: give one --cpus model and one --append-variants";
  if (const std::string e = resolve_kernels(mo, plan); !e.empty()) return e;
  if (vo.bisect && plan.kernels.size() < 2)
    return "--bisect needs at least two kernels, oldest first (such as --kernels 6.1:all)";
  std::error_code ec;
  fs::create_directories(fs::path(mo.out_dir) / "work", ec);
  if (ec) return fmt::format("--out {}: {}", mo.out_dir, ec.message());
  return "";
}

// Fetch first, one at a time: the cells of one kernel share its cache entry. "" or the error.
std::string fetch_images(const MatrixOptions& mo, MatrixPlan& plan) {
  std::error_code ec;
  std::string error;
  plan.images.resize(plan.kernels.size());
  for (size_t i = 0; i < plan.kernels.size(); ++i) {
    const KernelEntry& kernel = plan.kernels[i];
    if (!kernel.is_debian) {
      // An image file: QEMU boots the vmlinux inside a bzImage once, for all its cells.
      const std::string dir =
          (fs::path(mo.out_dir) / "work" / fmt::format("kernel-{}", i)).string();
      fs::create_directories(dir, ec);
      KernelChoice kc;
      if (!choose_kernel(kernel.spec, plan.emulator, dir, &kc, &error)) return error;
      plan.images[i] = kc.image;
      continue;
    }
    CachedKernel cached;
    fmt::print("matrix: kernel {}\n", kernel.name);
    std::fflush(stdout);
    if (!fetch_debian_kernel(kernel.debian, &cached, &error))
      return fmt::format("kernel {}: {}", kernel.name, error);
    plan.images[i] = bootable_image(cached, plan.emulator);
  }
  return "";
}

// Boots one cell and writes its result file.
class CellRunner {
 public:
  CellRunner(const VmOptions& vo, const MatrixOptions& mo, const MatrixPlan& plan)
      : vo_(vo), mo_(mo), plan_(plan) {}

  Cell cell_for(size_t k, const std::string& cpu, const std::string& variant) const {
    const std::string append = variant == "none" ? "" : variant;
    return Cell{k, cpu, append,
                file_safe(fmt::format("{}_{}_{}", plan_.kernels[k].name, cpu,
                                      variant == "none" ? "default" : variant))};
  }

  VmOutcome run(const Cell& c) {
    VmSpec spec = guest_spec(vo_, plan_.emulator, plan_.guest, plan_.guest_binary);
    spec.cpu = c.cpu;
    spec.append = c.append;
    spec.work_dir = (fs::path(mo_.out_dir) / "work" / c.name).string();
    std::error_code e;
    fs::create_directories(spec.work_dir, e);
    const KernelEntry& kernel = plan_.kernels[c.kernel];
    spec.kernel = plan_.images[c.kernel];
    spec.kernel_name = kernel.name;
    spec.kernel_arg = kernel.is_debian ? "debian:" + kernel.name : kernel.spec;
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
    const std::string path = (fs::path(mo_.out_dir) / (c.name + ".json")).string();
    if (!write_output_file(path, run_result_to_json(out.run).dump(2) + "\n", &why))
      out.error += "; " + why;
    std::lock_guard<std::mutex> l(print_lock_);
    fmt::print("matrix: {}\n", describe_outcome(spec, out));
    std::fflush(stdout);
    return out;
  }

 private:
  const VmOptions& vo_;
  const MatrixOptions& mo_;
  const MatrixPlan& plan_;
  std::mutex print_lock_;
};

// --bisect: the first bad kernel, oldest first, booting as few as a binary search needs.
int bisect_kernels(const MatrixOptions& mo, const MatrixPlan& plan, CellRunner& runner) {
  const std::vector<KernelEntry>& kernels = plan.kernels;
  const BisectSearch found = bisect_first_bad(kernels.size(), [&](size_t k) {
    return bisect_status(runner.run(runner.cell_for(k, plan.cpus[0], plan.variants[0])));
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

// Every cell, --jobs at a time, then the report.
int run_every_cell(const VmOptions& vo, const MatrixOptions& mo, const MatrixPlan& plan,
                   CellRunner& runner) {
  std::vector<Cell> cells;
  for (size_t k = 0; k < plan.kernels.size(); ++k)
    for (const std::string& cpu : plan.cpus)
      for (const std::string& v : plan.variants)
        cells.push_back(runner.cell_for(k, cpu, v));
  std::vector<VmOutcome> outcomes(cells.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < std::max(1u, mo.jobs); ++w)
    workers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < cells.size();)
        outcomes[i] = runner.run(cells[i]);
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
  std::string error;
  for (const char* ext : {"html", "md"}) {
    const std::string path = (fs::path(mo.out_dir) / fmt::format("matrix.{}", ext)).string();
    const std::string text =
        std::string(ext) == "html" ? report_html(columns) : report_markdown(columns);
    if (!write_output_file(path, text, &error)) return vm_usage_error(vo.bisect, error);
  }
  fmt::print("matrix: {} cells; {}/matrix.html and matrix.md\n", cells.size(), mo.out_dir);
  return all_ok ? kExitOk : kExitFail;
}

}  // namespace

int matrix_command(const VmOptions& vo, const MatrixOptions& mo) {
  MatrixPlan plan;
  std::string error = plan_matrix(vo, mo, plan);
  if (error.empty()) error = fetch_images(mo, plan);
  if (!error.empty()) return vm_usage_error(vo.bisect, error);
  CellRunner runner(vo, mo, plan);
  return vo.bisect ? bisect_kernels(mo, plan, runner) : run_every_cell(vo, mo, plan, runner);
}

}  // namespace sigctx
