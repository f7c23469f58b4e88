// sigctx: does this OS preserve every piece of x86-64 CPU state across signals, contexts and
// switches, and does zeroed memory stay zero?
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <system_error>

#include "engine/handler.h"
#include "runners/cli_metavars.h"
#include "runners/cli_values.h"
#include "runners/commands.h"
#include "runners/completion.h"
#include "runners/fingerprint.h"
#include "runners/run_options.h"
#include "runners/vm/guest_init.h"

namespace {

using namespace sigctx;

// A slow machine made on purpose (engine/handler.h): every delivery spends
// SIGCTX_HANDLER_DELAY_US in the handler, and the platform probe measures it like any other
// cost. False after naming a bad value.
bool apply_handler_delay() {
  if (const char* delay = std::getenv("SIGCTX_HANDLER_DELAY_US")) {
    char* end = nullptr;
    const double us = std::strtod(delay, &end);
    if (end == delay || *end || !(us >= 0 && us <= 1e6)) {
      fmt::print(stderr,
                 "sigctx: error: SIGCTX_HANDLER_DELAY_US: '{}' is not a number of microseconds "
                 "from 0 to 1000000\n",
                 delay);
      return false;
    }
    set_handler_delay_ns(static_cast<uint64_t>(us * 1000));
  }
  return true;
}

struct VmCommands {
  CLI::App* vm;
  CLI::App* matrix;
};

// vm and matrix: the options of one guest boot, and after `--` the guest's run options.
VmCommands add_vm_commands(CLI::App& app, VmOptions& vm_opts, MatrixOptions& matrix_opts) {
  auto add_vm_options = [&](CLI::App* sub) {
    sub->add_option("--emulator", vm_opts.emulator,
                    "qemu (default), bochs (AVX-512 models) or uml (a user-mode Linux kernel, "
                    "--kernel uml for Debian's linux.uml)")
        ->type_name(metavar::kEmulator);
    sub->add_option("--accel", vm_opts.accel,
                    "QEMU accelerators in order of preference (default tcg; kvm:tcg uses KVM "
                    "where it works)")
        ->type_name(metavar::kAccel);
    sub->add_option("--smp", vm_opts.smp, "guest CPUs (default 2; bochs: 1)")
        ->check(CLI::Range(1u, 64u));
    sub->add_option("--memory", vm_opts.memory_mib, "guest memory in MiB (default 1024)")
        ->check(CLI::Range(128u, 65536u));
    sub->add_option("--vm-timeout", vm_opts.vm_timeout_s,
                    "seconds from boot to power-off before the guest counts as hung (default 1800)")
        ->check(CLI::Range(1.0, 86400.0));
    sub->add_option("--guest-binary", vm_opts.guest_binary,
                    "the static sigctx to boot as /init (default: this one when static, else "
                    "sigctx-static beside it, else build-static/sigctx)")
        ->type_name(metavar::kFile);
    sub->add_flag("--bisect", vm_opts.bisect,
                  "exit 0 good, 1 bad, 125 untestable (kernel never started sigctx, or every case "
                  "skipped), 128 on a usage error: for git bisect run");
  };
  auto* vm = app.add_subcommand(
      "vm",
      "boot a kernel under QEMU or bochs with sigctx as init and run the suite there; "
      "the run options follow --");
  add_vm_options(vm);
  vm->add_option("--cpu", vm_opts.cpu, "QEMU -cpu model or bochs cpu model (default max)")
      ->type_name(metavar::kCpuModel);
  vm->add_option("--append", vm_opts.append, "kernel options added to sigctx's own")
      ->type_name(metavar::kKernelArgs);
  vm->add_option("--kernel", vm_opts.kernel,
                 "bzImage or vmlinux, or debian:SERIES (debian:6.12, debian:6.1-cloud)")
      ->type_name(metavar::kKernel)
      ->required();
  vm->add_option("--keep", vm_opts.keep_dir, "keep the initramfs, console log and channel here")
      ->type_name(metavar::kDir);
  vm->add_flag("--quiet", vm_opts.quiet, "do not copy the guest's console to stdout");
  auto* matrix = app.add_subcommand(
      "matrix",
      "every kernel x CPU model x kernel options under QEMU (or bochs), a result file per "
      "cell and the HTML report; the run options follow --");
  add_vm_options(matrix);
  matrix
      ->add_option("--kernels", matrix_opts.kernels,
                   "Debian series or releases, or image files (default 6.1,6.12,6.12-rt; "
                   "bochs: 6.1-cloud); 6.1:all is every 6.1 release, oldest first")
      ->type_name(metavar::kList)
      ->delimiter(',');
  matrix
      ->add_option("--cpus", matrix_opts.cpus,
                   "CPU models (default Nehalem,SandyBridge,Haswell,max; bochs: "
                   "corei7_skylake_x,corei7_icelake_u,tigerlake)")
      ->type_name(metavar::kList)
      ->delimiter(',');
  matrix
      ->add_option("--append-variants", matrix_opts.append_variants,
                   "kernel option sets, 'none' for none (default none,noxsave)")
      ->type_name(metavar::kList)
      ->delimiter(',');
  matrix->add_option("--out", matrix_opts.out_dir, "directory for the results (default matrix)")
      ->type_name(metavar::kDir);
  matrix->add_option("--jobs", matrix_opts.jobs, "guests booted at once (default 2)")
      ->check(CLI::Range(1u, 64u));
  return {vm, matrix};
}

// reproduce CASE: its options fill repro_opts; its --seed stays text until parsed.
CLI::App* add_reproduce_command(CLI::App& app, ReproduceOptions& repro_opts,
                                std::string& repro_seed) {
  auto* reproduce = app.add_subcommand(
      "reproduce", "write a case as one self-contained C program that fails where it fails");
  reproduce->add_option("case", repro_opts.case_id, "the case id (sigctx list)")
      ->type_name(metavar::kCase)
      ->required();
  reproduce->add_option("--seed", repro_seed, "pattern seed, as for run (default 0x6a09e667)")
      ->type_name(metavar::kSeed);
  reproduce
      ->add_option("--inject-fault", repro_opts.inject_fault,
                   "the fault -DSIGCTX_INJECT_FAULT compiles in, as for run")
      ->type_name(metavar::kFault);
  reproduce
      ->add_option("--emulate", repro_opts.emulate,
                   "the catalog bug -DSIGCTX_EMULATE compiles in, as for run")
      ->type_name(metavar::kBug);
  reproduce->add_option("-o,--output", repro_opts.output, "FILE.c, or - for standard output")
      ->type_name(metavar::kFile)
      ->required();
  return reproduce;
}

// Names an unknown command rather than CLI11's generic "a subcommand is required", and an
// unknown option: CLI11 checks required arguments first, so `compare --zzz a` said "new is
// required". The exit status when a word is unknown, else 0.
int reject_unknown_words(CLI::App& app, int argc, char** argv, int usage_status) {
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      known |= sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      fmt::print(stderr, "sigctx: error: unknown command '{}' (commands: {})\n", argv[1], names);
      return kExitUsage;
    }
    // Option values never start with "--" (cli_values.h).
    const CLI::App* sub = app.get_subcommand(argv[1]);
    for (int i = 2; i < argc; ++i) {
      std::string token = argv[i];
      if (token.rfind("--", 0) != 0 || token == "--") continue;
      token = token.substr(0, token.find('='));
      if (!sub->get_option_no_throw(token)) {
        // Right after an option that wants a value, it is that value which is missing.
        const CLI::Option* before = sub->get_option_no_throw(argv[i - 1]);
        if (i > 2 && before && before->get_expected_min() > 0 && !before->get_positional())
          fmt::print(stderr,
                     "sigctx: error: {}: the value is missing (then comes '{}', which is no "
                     "option of {} either)\n",
                     argv[i - 1], token, argv[1]);
        else
          fmt::print(stderr, "sigctx: error: {}: unknown option '{}' (see sigctx {} --help)\n",
                     argv[1], token, argv[1]);
        return usage_status;
      }
    }
  }
  return 0;
}

// Runs the command. Output that never arrived (a full disk, a closed pipe, /dev/full) is an
// error with a message, never exit 0 and never an abort: fmt throws when a write fails, and a
// short output fails only at the final flush.
int run_checking_output(const std::function<int()>& dispatch, int usage_status) {
  int status;
  try {
    status = dispatch();
  } catch (const std::system_error& e) {
    fmt::print(stderr, "sigctx: error: standard output: {}\n", e.code().message());
    return usage_status;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    fmt::print(stderr, "sigctx: error: standard output: {}\n", std::strerror(errno ? errno : EIO));
    return usage_status;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // Booted by `sigctx vm` as the initramfs's /init.
  if (is_guest_init()) guest_init_main();
  if (!apply_handler_delay()) return kExitUsage;
  // Before any case list is built: xsave_other's cases (ptrace/write-init among them) and their
  // descriptions follow the component it takes on this machine.
  live_machine();

  CLI::App app{"sigctx: x86-64 CPU state conformance across signals, contexts and switches"};
  app.require_subcommand(1);
  app.set_version_flag("--version", tool_version_text());

  bool probe_json = false;
  auto* probe = app.add_subcommand("probe", "machine fingerprint: CPU, XCR0, XSAVE layout, OS");
  probe->add_flag("--json", probe_json, "print the fingerprint as JSON");

  std::vector<std::string> list_cases;
  auto* list = app.add_subcommand("list", "cases, and whether each can run here");
  list->add_option("--cases", list_cases, "glob of case ids (repeatable)")
      ->type_name(metavar::kCase);
  bool list_ctest = false;
  list->add_flag("--ctest", list_ctest, "one line per case for CMake's case tests")->group("");

  std::string explain_what;
  auto* explain = app.add_subcommand("explain", "what a case checks, or a catalog bug's story");
  explain->add_option("what", explain_what, "a catalog bug id or a case id; none: the catalog")
      ->type_name(metavar::kBugOrCase);

  ReproduceOptions repro_opts;
  std::string repro_seed;
  auto* reproduce = add_reproduce_command(app, repro_opts, repro_seed);

  std::string compare_old, compare_new;
  auto* compare = app.add_subcommand(
      "compare",
      "regressions, fixes, new and vanished cases and fingerprint changes between two "
      "result files; exit 1 on a regression");
  compare->add_option("old", compare_old, "the earlier result file (sigctx run --json)")
      ->type_name(metavar::kFile)
      ->required();
  compare->add_option("new", compare_new, "the later result file")
      ->type_name(metavar::kFile)
      ->required();

  std::vector<std::string> report_inputs;
  std::string report_out;
  auto* report = app.add_subcommand(
      "report",
      "the matrix of cases by machine from result files, as one self-contained HTML "
      "file or Markdown");
  report->add_option("files", report_inputs, "result files (sigctx run --json)")
      ->type_name(metavar::kFile)
      ->required();
  report->add_option("-o,--output", report_out, "OUT.html or OUT.md")
      ->type_name(metavar::kFile)
      ->required();

  RunOptions run_opts;
  std::string seed_text;
  auto* run = app.add_subcommand("run", "run cases and report");
  add_run_options(run, &run_opts, &seed_text);
  SoakOptions soak_opts;
  auto* soak = app.add_subcommand(
      "soak",
      "repeat run with derived seeds until an iteration fails, a limit, or SIGINT/SIGTERM; "
      "keep every artifact of the failing iteration under --out");
  add_run_options(soak, &run_opts, &seed_text);
  soak->add_option("--out", soak_opts.out_dir, "directory for summary.json and failure/")
      ->type_name(metavar::kDir)
      ->required();
  soak->add_option("--max-time", soak_opts.max_time_s, "stop after this many seconds")
      ->check(CLI::Range(0.0, 1e9));
  soak->add_option("--max-iterations", soak_opts.max_iterations, "stop after N iterations");
  bool until_fail = true;  // the only mode: DESIGN.md's spelling is accepted
  soak->add_flag("--until-fail", until_fail, "stop at the first failing iteration (always so)");

  VmOptions vm_opts;
  MatrixOptions matrix_opts;
  const auto [vm, matrix] = add_vm_commands(app, vm_opts, matrix_opts);

  std::string completion_shell;
  auto* completion = app.add_subcommand(
      "completion",
      "print the bash or zsh completion script, written from these option definitions");
  completion->add_option("shell", completion_shell, "bash or zsh")
      ->type_name(metavar::kShell)
      ->required();

  check_every_value(&app);

  // What follows `--` after vm or matrix is the guest's run options, parsed on their own.
  if (argc > 1 && (std::string(argv[1]) == "vm" || std::string(argv[1]) == "matrix"))
    for (int i = 2; i < argc; ++i)
      if (std::string(argv[i]) == "--") {
        vm_opts.run_tokens.assign(argv + i + 1, argv + argc);
        argc = i;
        break;
      }

  // Under git bisect run, a usage error must abort the bisection (128), not mark a revision bad.
  // Read from the arguments, which the guest's run options after `--` no longer include.
  const bool bisect = std::find(argv + 1, argv + argc, std::string("--bisect")) != argv + argc;
  const int usage_status = bisect ? kExitBisectAbort : kExitUsage;

  if (const int status = reject_unknown_words(app, argc, argv, usage_status)) return status;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "sigctx: error: {}\n", e.what());
    fmt::print(stderr, "Run 'sigctx --help' or 'sigctx <command> --help' for usage.\n");
    return usage_status;
  }

  const auto dispatch = [&]() -> int {
    if (*probe) return probe_command(probe_json);
    if (*list) return list_command(list_cases, list_ctest);
    if (*explain) return explain_command(explain_what);
    if (*compare) return compare_command(compare_old, compare_new);
    if (*reproduce) {
      if (const std::string err =
              repro_seed.empty() ? "" : parse_seed(repro_seed, &repro_opts.seed);
          !err.empty()) {
        fmt::print(stderr, "sigctx: error: --seed: {}\n", err);
        return usage_status;
      }
      return reproduce_command(repro_opts);
    }
    if (*report) return report_command(report_inputs, report_out);
    if (*vm) return vm_command(vm_opts);
    if (*matrix) return matrix_command(vm_opts, matrix_opts);
    if (*completion) return completion_command(app, completion_shell);
    if (const std::string err = finish_run_options(seed_text, &run_opts); !err.empty()) {
      fmt::print(stderr, "sigctx: error: {}\n", err);
      return usage_status;
    }
    if (*soak) return soak_command(run_opts, soak_opts);
    const int status = run_command(run_opts);
    return status == kExitUsage ? usage_status : status;
  };
  return run_checking_output(dispatch, usage_status);
}
