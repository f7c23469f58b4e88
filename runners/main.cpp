// sigctx: does this OS preserve every piece of x86-64 CPU state across signals, contexts and
// switches, and does zeroed memory stay zero?
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "runners/commands.h"

namespace {

// Seeds are given in decimal or 0x-prefixed hex.
std::string parse_seed(const std::string& text, uint64_t* out) {
  if (text.empty()) return "the seed is empty";
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno != 0 || *end != '\0' || text[0] == '-')
    return "'" + text + "' is not a decimal or 0x-prefixed hexadecimal number";
  *out = v;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sigctx;
  CLI::App app{"sigctx: x86-64 CPU state conformance across signals, contexts and switches"};
  app.require_subcommand(1);
  app.set_version_flag("--version", tool_version_line());

  bool probe_json = false;
  auto* probe = app.add_subcommand("probe", "machine fingerprint: CPU, XCR0, XSAVE layout, OS");
  probe->add_flag("--json", probe_json, "print the fingerprint as JSON");

  std::vector<std::string> list_cases;
  auto* list = app.add_subcommand("list", "cases, and whether each can run here");
  list->add_option("--cases", list_cases, "glob of case ids (repeatable)");
  bool list_ctest = false;
  list->add_flag("--ctest", list_ctest, "one line per case for CMake's case tests")->group("");

  std::string explain_what;
  auto* explain = app.add_subcommand("explain", "what a case checks, or a catalog bug's story");
  explain->add_option("what", explain_what, "a catalog bug id or a case id; none: the catalog");

  std::string compare_old, compare_new;
  auto* compare = app.add_subcommand(
      "compare",
      "regressions, fixes, new and vanished cases and fingerprint changes between two "
      "result files; exit 1 on a regression");
  compare->add_option("old", compare_old, "the earlier result file (sigctx run --json)")
      ->required();
  compare->add_option("new", compare_new, "the later result file")->required();

  std::vector<std::string> report_inputs;
  std::string report_out;
  auto* report = app.add_subcommand(
      "report",
      "the matrix of cases by machine from result files, as one self-contained HTML "
      "file or Markdown");
  report->add_option("files", report_inputs, "result files (sigctx run --json)")->required();
  report->add_option("-o,--output", report_out, "OUT.html or OUT.md")->required();

  RunOptions run_opts;
  std::string seed_text;
  // run and soak take the same options (soak passes them to each iteration's run).
  auto add_run_options = [&](CLI::App* sub) {
    sub->add_option("--cases", run_opts.cases,
                    "glob of case ids (repeatable); default: every case");
    sub->add_option("--seed", seed_text, "pattern seed, decimal or 0x hex (default 0x6a09e667)");
    sub->add_option("--repeat", run_opts.repeat, "run the selection N times with derived seeds")
        ->check(CLI::Range(1u, 1000000u));
    sub->add_option("--jobs", run_opts.jobs, "cases run in parallel")->check(CLI::Range(1u, 256u));
    sub->add_option("--timeout", run_opts.timeout_s, "seconds before a case is killed (default 30)")
        ->check(CLI::Range(0.1, 86400.0));
    sub->add_option("--json", run_opts.json_path,
                    "write the sigctx-result/1 JSON here (atomically)");
    sub->add_option("--junit", run_opts.junit_path,
                    "write JUnit XML for CI systems here (atomically)");
    sub->add_flag("--tap", run_opts.tap,
                  "print TAP version 13 (kselftest style) on stdout instead of the human output");
    sub->add_option(
        "--inject-fault", run_opts.inject_fault,
        "make the handler corrupt COMPONENT[:REGISTER[:leak|bitflip|zero]] (or 'guard'): "
        "the suite's own mutation test");
    sub->add_option("--injector", run_opts.injector,
                    "how dirty-kernel cases reach a boundary: step, hwbp, int3 (async: storms)");
    sub->add_option("--at", run_opts.at, "dirty kernels: inject only at this dynamic boundary")
        ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
    sub->add_option("--stride", run_opts.stride, "dirty kernels: inject at every K-th boundary")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
    sub->add_option("--emulate", run_opts.emulate,
                    "apply a catalog bug's effect on this (correct) kernel: the catalog as the "
                    "suite's own mutation test (sigctx explain BUG says what it does)");
    sub->add_option("--expect", run_opts.expect_files,
                    "judge by this expectation file too (repeatable); its entries override the "
                    "built-in ones (results/expectations/)");
    sub->add_flag("--no-expectations", run_opts.no_expectations,
                  "judge by no expectation file, not even the built-in ones: raw verdicts");
    sub->add_flag("--verbose", run_opts.verbose, "print each case's measured facts");
    sub->add_option("--profile", run_opts.profile,
                    "run a profile's cases too (go-preempt: Go's memclr under a SIGURG storm, "
                    "with throughput and signal counts); without --cases, only them");
    sub->add_option("--duration", run_opts.duration_s,
                    "seconds a --profile runs its workload (go-preempt default: 10)")
        ->check(CLI::Range(0.05, 86400.0));
  };
  auto* run = app.add_subcommand("run", "run cases and report");
  add_run_options(run);
  SoakOptions soak_opts;
  auto* soak = app.add_subcommand(
      "soak",
      "repeat run with derived seeds until an iteration fails, a limit, or SIGINT/SIGTERM; "
      "keep every artifact of the failing iteration under --out");
  add_run_options(soak);
  soak->add_option("--out", soak_opts.out_dir, "directory for summary.json and failure/")
      ->required();
  soak->add_option("--max-time", soak_opts.max_time_s, "stop after this many seconds")
      ->check(CLI::Range(0.0, 1e9));
  soak->add_option("--max-iterations", soak_opts.max_iterations, "stop after N iterations");
  bool until_fail = true;  // the only mode: DESIGN.md's spelling is accepted
  soak->add_flag("--until-fail", until_fail, "stop at the first failing iteration (always so)");

  // Name an unknown command rather than CLI11's generic "a subcommand is required".
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
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "sigctx: error: {}\n", e.what());
    fmt::print(stderr, "Run 'sigctx --help' or 'sigctx <command> --help' for usage.\n");
    return kExitUsage;
  }

  if (*probe) return probe_command(probe_json);
  if (*list) return list_command(list_cases, list_ctest);
  if (*explain) return explain_command(explain_what);
  if (*compare) return compare_command(compare_old, compare_new);
  if (*report) return report_command(report_inputs, report_out);
  if (!seed_text.empty()) {
    const std::string err = parse_seed(seed_text, &run_opts.seed);
    if (!err.empty()) {
      fmt::print(stderr, "sigctx: error: --seed: {}\n", err);
      return kExitUsage;
    }
  }
  if (*soak) return soak_command(run_opts, soak_opts);
  return run_command(run_opts);
}
