#include "runners/run_options.h"

#include "runners/cli_metavars.h"
#include "runners/cli_values.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>

namespace sigctx {

namespace {}  // namespace

std::string parse_seed(const std::string& text, uint64_t* out) {
  if (text.empty()) return "the seed is empty";
  const bool hex = text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0;
  const size_t from = hex ? 2 : 0;
  const char* digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str() + from, &end, hex ? 16 : 10);
  if (text.size() == from || text.find_first_not_of(digits, from) != std::string::npos ||
      errno != 0 || *end != '\0')
    return "'" + text + "' is not a decimal or 0x-prefixed hexadecimal number";
  *out = v;
  return "";
}

void add_run_options(CLI::App* sub, RunOptions* o, std::string* seed_text) {
  sub->add_option("--cases", o->cases, "glob of case ids (repeatable); default: every case")
      ->type_name(metavar::kCase);
  sub->add_option("--seed", *seed_text, "pattern seed, decimal or 0x hex (default 0x6a09e667)")
      ->type_name(metavar::kSeed);
  sub->add_option("--repeat", o->repeat, "run the selection N times with derived seeds")
      ->check(CLI::Range(1u, 1000000u));
  sub->add_option("--jobs", o->jobs, "cases run in parallel")->check(CLI::Range(1u, 256u));
  sub->add_option("--timeout", o->timeout_s,
                  "seconds before a case is killed (default 30, longer where the platform probe "
                  "measures slow signal deliveries)")
      ->check(CLI::Range(0.1, 86400.0));
  sub->add_option("--json", o->json_path, "write the sigctx-result/1 JSON here (atomically)")
      ->type_name(metavar::kFile);
  sub->add_option("--junit", o->junit_path, "write JUnit XML for CI systems here (atomically)")
      ->type_name(metavar::kFile);
  sub->add_flag("--tap", o->tap,
                "print TAP version 13 (kselftest style) on stdout instead of the human output");
  sub->add_option("--inject-fault", o->inject_fault,
                  "make the handler corrupt COMPONENT[:REGISTER[:leak|bitflip|zero]] (or 'guard'): "
                  "the suite's own mutation test")
      ->type_name(metavar::kFault);
  sub->add_option("--injector", o->injector,
                  "how dirty-routine cases reach a boundary: step, hwbp, int3 (async: storms)")
      ->type_name(metavar::kInjector);
  sub->add_option("--at", o->at, "dirty routines: inject only at this dynamic boundary")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  sub->add_option("--stride", o->stride, "dirty routines: inject at every K-th boundary")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  sub->add_option("--emulate", o->emulate,
                  "apply a catalog bug's effect on this (correct) kernel: the catalog as the "
                  "suite's own mutation test (sigctx explain BUG says what it does)")
      ->type_name(metavar::kBug);
  sub->add_option("--expect", o->expect_files,
                  "judge by this expectation file too (repeatable); its entries override the "
                  "built-in ones (results/expectations/)")
      ->type_name(metavar::kFile);
  sub->add_flag("--no-expectations", o->no_expectations,
                "judge by no expectation file, not even the built-in ones: raw verdicts");
  sub->add_flag("--verbose", o->verbose, "print each case's measured facts");
  sub->add_option("--profile", o->profile,
                  "run a profile's cases too (go-preempt: Go's memclr under a SIGURG storm, "
                  "with throughput and signal counts); without --cases, only them")
      ->type_name(metavar::kProfile);
  sub->add_option("--duration", o->duration_s,
                  "seconds a --profile runs its workload (go-preempt default: 10)")
      ->check(CLI::Range(0.05, 86400.0));
  sub->add_flag("--bisect", o->bisect,
                "exit 0 good, 1 bad, 125 when every selected case skips here, 128 on a usage "
                "error: for git bisect run");
}

std::string finish_run_options(const std::string& seed_text, RunOptions* o) {
  if (seed_text.empty()) return "";
  const std::string err = parse_seed(seed_text, &o->seed);
  return err.empty() ? "" : "--seed: " + err;
}

bool parse_run_options(const std::vector<std::string>& args, RunOptions* o, std::string* error) {
  CLI::App app{"run options"};
  std::string seed_text;
  add_run_options(&app, o, &seed_text);
  check_every_value(&app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    *error = e.what();
    return false;
  }
  *error = finish_run_options(seed_text, o);
  return error->empty();
}

std::vector<std::string> run_arguments(const RunOptions& o) {
  std::vector<std::string> a;
  for (const std::string& c : o.cases)
    a.insert(a.end(), {"--cases", c});
  a.insert(a.end(), {"--jobs", std::to_string(o.jobs)});
  if (o.timeout_s > 0) a.insert(a.end(), {"--timeout", fmt::format("{}", o.timeout_s)});
  if (o.repeat > 1) a.insert(a.end(), {"--repeat", std::to_string(o.repeat)});
  if (!o.inject_fault.empty()) a.insert(a.end(), {"--inject-fault", o.inject_fault});
  if (!o.injector.empty()) a.insert(a.end(), {"--injector", o.injector});
  if (o.at >= 0) a.insert(a.end(), {"--at", std::to_string(o.at)});
  if (o.stride > 1) a.insert(a.end(), {"--stride", std::to_string(o.stride)});
  if (!o.emulate.empty()) a.insert(a.end(), {"--emulate", o.emulate});
  for (const std::string& e : o.expect_files)
    a.insert(a.end(), {"--expect", e});
  if (o.no_expectations) a.push_back("--no-expectations");
  if (o.verbose) a.push_back("--verbose");
  if (!o.profile.empty()) a.insert(a.end(), {"--profile", o.profile});
  if (o.duration_s > 0) a.insert(a.end(), {"--duration", fmt::format("{}", o.duration_s)});
  return a;
}

std::vector<NamedFile> run_output_files(const RunOptions& o) {
  std::vector<NamedFile> files;
  if (!o.json_path.empty()) files.push_back({"--json", o.json_path});
  if (!o.junit_path.empty()) files.push_back({"--junit", o.junit_path});
  return files;
}

std::vector<NamedFile> run_input_files(const RunOptions& o) {
  std::vector<NamedFile> files;
  for (const std::string& e : o.expect_files)
    files.push_back({"--expect", e});
  return files;
}

}  // namespace sigctx
