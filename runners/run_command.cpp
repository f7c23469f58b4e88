#include <fnmatch.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "engine/injection.h"
#include "results/console.h"
#include "results/expectations.h"
#include "results/junit.h"
#include "results/output_file.h"
#include "results/run_result.h"
#include "results/tap.h"
#include "runners/bug_catalog.h"
#include "runners/case_registry.h"
#include "runners/commands.h"
#include "runners/executor.h"
#include "runners/fingerprint.h"
#include "runners/profiles.h"
#include "runners/run_options.h"
#include "runners/vm/guest_protocol.h"
#include "sigctx_version.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

// The command that reruns one case exactly: its seed, the fault if any, and where the case says
// the failure is (a dirty routine's --at boundary and injector); otherwise the run's own
// injection options.
std::string reproduce_line(const CaseResult& r, const RunOptions& o) {
  // In a sigctx vm guest: the host's command that boots the same guest (guest_protocol.h).
  const char* via = std::getenv(kReproduceViaEnv);
  std::string s = via && *via ? fmt::format("{} -- --cases {} --seed {:#x}", via, r.id, r.seed)
                              : fmt::format("sigctx run --cases {} --seed {:#x}", r.id, r.seed);
  if (!o.inject_fault.empty()) s += " --inject-fault " + o.inject_fault;
  if (!o.emulate.empty()) s += " --emulate " + o.emulate;
  if (!r.reproduce_options.empty()) return s + " " + r.reproduce_options;
  if (o.at >= 0) s += fmt::format(" --at {}", o.at);
  if (o.stride > 1) s += fmt::format(" --stride {}", o.stride);
  if (!o.injector.empty()) s += " --injector " + o.injector;
  return s;
}

std::string failure_reason(const CaseResult& r) {
  if (!r.diffs.empty()) return describe_group(r.diffs, group_diffs(r.diffs).front());
  if (!r.findings.empty()) return r.findings.front().check + ": " + r.findings.front().message;
  return "";
}

// Why --emulate does not accept a name: not in the catalog, or not emulated (yet).
std::string emulation_error(const std::string& bug) {
  std::string emulated;
  for (const Emulation& e : emulations())
    if (e.not_emulated.empty()) emulated += (emulated.empty() ? "" : ", ") + std::string(e.bug);
  if (!find_bug(bug))
    return fmt::format("'{}' is not a catalog bug (sigctx explain lists them; emulated: {})", bug,
                       emulated);
  if (const Emulation* e = find_emulation(bug); e && !e->not_emulated.empty())
    return fmt::format("'{}' cannot be emulated: {}", bug, e->not_emulated);
  return fmt::format("'{}' is in the catalog but has no emulation (emulated: {})", bug, emulated);
}

bool use_color() {
  return isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") && std::getenv("TERM") &&
         std::string(std::getenv("TERM")) != "dumb";
}

// The cases a run selects, a profile's included; "" or the usage error.
std::string select_run_cases(const RunOptions& o, std::vector<const CaseDescriptor*>* selected,
                             const Profile** profile) {
  std::string error;
  if (!o.profile.empty()) {
    *profile = find_profile(o.profile);
    if (!*profile)
      return fmt::format("--profile: '{}' is not a profile (profiles: {})", o.profile,
                         profile_names());
  } else if (o.duration_s > 0) {
    return "--duration applies to a --profile run";
  }
  // With a profile, --cases adds to its cases; without one, an empty --cases means every case.
  if ((!*profile || !o.cases.empty()) && !select_cases(o.cases, selected, &error)) return error;
  if (*profile)
    for (const std::string& id : (*profile)->cases) {
      const CaseDescriptor* c = find_case(id);
      if (c && std::find(selected->begin(), selected->end(), c) == selected->end())
        selected->push_back(c);
    }
  // An option that applies to no selected case would be ignored: a run that looks like it
  // tested what was asked and did not.
  if ((o.at >= 0 || o.stride > 1) &&
      std::none_of(selected->begin(), selected->end(),
                   [](const CaseDescriptor* c) { return c->takes_boundaries; }))
    return fmt::format(
        "{} applies to the cases that inject at a dirty routine's boundaries (signal/step/*, "
        "signal/hwbp/*, signal/int3/*, ...), and none of the {} selected does",
        o.at >= 0 ? "--at" : "--stride", selected->size());
  return "";
}

// What the run changes about every case: the fault, the injection overrides, the emulation;
// "" or the usage error.
std::string parse_run_controls(const RunOptions& o, RunControls* controls) {
  std::string error;
  controls->duration_s = o.duration_s;
  if (!o.inject_fault.empty()) {
    auto parsed = parse_fault_spec(o.inject_fault, &error);
    if (!parsed) return "--inject-fault: " + error;
    controls->fault = *parsed;
    // A mutation test that cannot mutate anything would pass and prove nothing.
    if (controls->fault.kind != FaultKind::kGuard) {
      const ComponentDescriptor& c = component(controls->fault.component);
      if (const Availability a = c.availability(live_machine()); !a.ok)
        return fmt::format(
            "--inject-fault {}: component {} is not available here ({}), so no fault could be "
            "injected",
            o.inject_fault, c.name, a.reason);
    }
  }
  InjectionOverrides& injection = controls->injection;
  if (!o.injector.empty()) {
    injection.injector = parse_injector(o.injector);
    if (!injection.injector)
      return fmt::format("--injector: '{}' is not one of step, hwbp, int3, async", o.injector);
  }
  injection.at = o.at;
  injection.stride = o.stride;
  if (!o.emulate.empty()) {
    controls->emulation = find_emulation(o.emulate);
    if (!controls->emulation || !controls->emulation->not_emulated.empty())
      return "--emulate: " + emulation_error(o.emulate);
  }
  return "";
}

// The built-in expectation files (unless --no-expectations) and --expect's; "" or the usage
// error.
std::string load_run_expectations(const RunOptions& o, ExpectationSet* expectations) {
  std::string error;
  if (!o.no_expectations && !load_builtin_expectations(expectations, &error))
    return "built-in expectations: " + error;
  const size_t builtin_entries = expectations->entries.size();
  for (const std::string& path : o.expect_files)
    if (!load_expectations(path, expectations, &error)) return "--expect " + error;
  // A glob in the user's own file that matches no case is a typo that silently excuses
  // nothing (the shipped files' globs are held to every case by the tests).
  for (size_t i = builtin_entries; i < expectations->entries.size(); ++i)
    for (const std::string& glob : expectations->entries[i].cases)
      if (std::none_of(all_cases().begin(), all_cases().end(), [&](const CaseDescriptor& c) {
            return fnmatch(glob.c_str(), c.id.c_str(), 0) == 0;
          }))
        fmt::print(stderr,
                   "sigctx: warning: {}: case glob '{}' matches no case (see sigctx list)\n",
                   expectations->entries[i].source, glob);
  return "";
}

// The result file's head: the tool, the machine and the options.
RunResult start_run_result(const RunOptions& o, const Machine& machine, double timeout_s,
                           const ExpectationSet& expectations) {
  RunResult run;
  run.version = SIGCTX_VERSION;
  run.git_revision = SIGCTX_GIT_REVISION;
  run.machine = fingerprint_to_json(machine);
  run.started_at = utc_timestamp_now();
  run.options = {{"cases", o.cases},       {"seed", fmt::format("{:#x}", o.seed)},
                 {"repeat", o.repeat},     {"jobs", o.jobs},
                 {"timeout_s", timeout_s}, {"inject_fault", o.inject_fault},
                 {"injector", o.injector}, {"at", o.at},
                 {"stride", o.stride},     {"emulate", o.emulate},
                 {"junit", o.junit_path},  {"tap", o.tap},
                 {"profile", o.profile},   {"duration_s", o.duration_s},
                 {"bisect", o.bisect},     {"expectations", expectations.files}};
  return run;
}

// Runs the selected cases through the executor and reports each in selection order, judged by
// the expectations, into run. "" or why the run stopped (the command line or the limits it ran
// under, not the platform).
class OrderedRun {
 public:
  OrderedRun(const RunOptions& o, const ExpectationSet& expectations, RunResult& run,
             ConsoleReporter& console, TapReporter& tap)
      : o_(o),
        expectations_(expectations),
        platform_(platform_facts(run.machine)),
        run_(run),
        console_(console),
        tap_(tap) {}

  std::string execute_all(const std::vector<const CaseDescriptor*>& selected,
                          const Machine& machine, const RunControls& controls,
                          const ExecutorOptions& eo) {
    // Slots in report order: a skip is known at once, a job reports through the executor.
    std::vector<Job> jobs;
    std::vector<size_t> job_slot;
    for (unsigned rep = 0; rep < o_.repeat; ++rep) {
      for (const CaseDescriptor* c : selected) {
        Slot s;
        const uint64_t seed = derived_seed(o_.seed, rep);
        Availability a = c->applicable(machine);
        if (!a.ok) {
          s.result.id = c->id;
          s.result.status = Status::kSkip;
          s.result.reason = a.reason;
          s.result.seed = seed;
          s.result.iteration = rep;
          s.ready = true;
        } else {
          job_slot.push_back(slots_.size());
          jobs.push_back({c, seed, rep});
        }
        slots_.push_back(std::move(s));
      }
    }
    flush();
    const std::string stopped = execute(jobs, machine, controls, eo, [&](size_t k, CaseResult&& r) {
      Slot& s = slots_[job_slot[k]];
      s.result = std::move(r);
      s.ready = true;
      flush();
    });
    flush();
    return stopped;
  }

 private:
  struct Slot {
    CaseResult result;
    bool ready = false;
  };

  void flush() {
    while (next_report_ < slots_.size() && slots_[next_report_].ready) {
      CaseResult& r = slots_[next_report_].result;
      r.reproduce = reproduce_line(r, o_);
      r.reproducer = reproducer_line(r.id, r.seed, o_.inject_fault, o_.emulate);
      lead_with_root(r.diffs);
      // A result that carries differences is a failure, whatever the case set.
      if (r.failed() && (r.status == Status::kPass || r.status == Status::kXfail))
        r.status = Status::kFail;
      if (r.status == Status::kFail && r.reason.empty()) r.reason = failure_reason(r);
      apply_expectations(expectations_, platform_, r);
      if (o_.tap)
        tap_.case_done(r);
      else
        console_.case_done(r);
      run_.summary.add(r);
      run_.cases.push_back(r);
      ++next_report_;
    }
  }

  const RunOptions& o_;
  const ExpectationSet& expectations_;
  const PlatformFacts platform_;
  RunResult& run_;
  ConsoleReporter& console_;
  TapReporter& tap_;
  std::vector<Slot> slots_;
  size_t next_report_ = 0;
};

// The summary, the profile's lines and the result files; the run's exit status.
int finish_run(const RunOptions& o, const Profile* profile, RunResult& run,
               ConsoleReporter& console, TapReporter& tap) {
  if (o.tap)
    tap.summary(run.summary);
  else
    console.summary(run.summary);
  if (profile)
    for (const CaseResult& r : run.cases)
      if (std::find(profile->cases.begin(), profile->cases.end(), r.id) != profile->cases.end())
        fmt::print("{}{}\n", o.tap ? "# " : "", profile->summarize(r));
  std::string error;
  if (!o.json_path.empty() &&
      !write_output_file(o.json_path, run_result_to_json(run).dump(2) + "\n", &error)) {
    fmt::print(stderr, "sigctx: error: --json {}\n", error);
    return kExitUsage;
  }
  if (!o.junit_path.empty() && !write_output_file(o.junit_path, run_result_to_junit(run), &error)) {
    fmt::print(stderr, "sigctx: error: --junit {}\n", error);
    return kExitUsage;
  }
  if (!run.summary.ok()) return kExitFail;
  // --bisect: a revision on which nothing selected can run is neither good nor bad.
  if (o.bisect && run.summary.total > 0 && run.summary.skip == run.summary.total)
    return kExitBisectSkip;
  return kExitOk;
}

int usage_error(const std::string& message) {
  fmt::print(stderr, "sigctx: error: {}\n", message);
  return kExitUsage;
}

}  // namespace

// Iteration 0 runs the seed given; later repetitions derive their own, and a failure's
// reproduce line names the derived one directly.
uint64_t derived_seed(uint64_t seed, unsigned iteration) {
  return iteration == 0 ? seed : mix64(seed + iteration) & 0xffffffffull;
}

int run_command(const RunOptions& o) {
  std::vector<const CaseDescriptor*> selected;
  const Profile* profile = nullptr;
  RunControls controls;
  ExpectationSet expectations;
  if (std::string error = select_run_cases(o, &selected, &profile); !error.empty())
    return usage_error(error);
  if (o.no_expectations && !o.expect_files.empty())
    return usage_error(fmt::format(
        "--no-expectations judges by no expectation file, so --expect {} would be ignored",
        o.expect_files.front()));
  if (std::string error = parse_run_controls(o, &controls); !error.empty())
    return usage_error(error);
  if (std::string error = load_run_expectations(o, &expectations); !error.empty())
    return usage_error(error);
  if (std::string error; !check_outputs(run_output_files(o), run_input_files(o), &error))
    return usage_error(error);

  const auto started = std::chrono::steady_clock::now();
  const Machine& machine = fingerprint_machine();
  if (report_fingerprint_usage_error()) return kExitUsage;
  const double timeout_s = o.timeout_s > 0 ? o.timeout_s : case_timeout_s(machine);
  ConsoleReporter console(stdout, use_color(), o.verbose);
  TapReporter tap(stdout);
  if (o.tap)
    tap.header(tool_version_line(), "machine: " + machine.summary_line(),
               selected.size() * o.repeat);
  else
    console.header(tool_version_line(), machine, o.seed, selected.size() * o.repeat);

  RunResult run = start_run_result(o, machine, timeout_s, expectations);
  ExecutorOptions eo;
  eo.jobs = o.jobs;
  eo.timeout_s = timeout_s;
  // A profile's case runs for its duration: the timeout starts counting after it.
  if (profile) eo.timeout_s += o.duration_s > 0 ? o.duration_s : profile->default_seconds;
  OrderedRun ordered(o, expectations, run, console, tap);
  // The command line or the limits it ran under, not the platform: no verdict, no result file.
  if (const std::string stopped = ordered.execute_all(selected, machine, controls, eo);
      !stopped.empty())
    return usage_error(stopped);
  run.summary.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return finish_run(o, profile, run, console, tap);
}

}  // namespace sigctx
