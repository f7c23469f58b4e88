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
#include "sigctx_version.h"
#include "xstate/component_registry.h"

namespace sigctx {

std::string tool_version_line() {
  return fmt::format("sigctx {} (git {})", SIGCTX_VERSION, SIGCTX_GIT_REVISION);
}

namespace {

// The command that reruns one case exactly: its seed, the fault if any, and where the case says
// the failure is (a dirty kernel's --at boundary and injector); otherwise the run's own
// injection options.
std::string reproduce_line(const CaseResult& r, const RunOptions& o) {
  std::string s = fmt::format("sigctx run --cases {} --seed {:#x}", r.id, r.seed);
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
    emulated += (emulated.empty() ? "" : ", ") + std::string(e.bug);
  if (!find_bug(bug))
    return fmt::format("'{}' is not a catalog bug (sigctx explain lists them; emulated: {})", bug,
                       emulated);
  return fmt::format("'{}' is in the catalog but has no emulation (emulated: {})", bug, emulated);
}

bool use_color() {
  return isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") && std::getenv("TERM") &&
         std::string(std::getenv("TERM")) != "dumb";
}

}  // namespace

// Iteration 0 runs the seed given; later repetitions derive their own, and a failure's
// reproduce line names the derived one directly.
uint64_t derived_seed(uint64_t seed, unsigned iteration) {
  return iteration == 0 ? seed : mix64(seed + iteration) & 0xffffffffull;
}

int run_command(const RunOptions& o) {
  std::vector<const CaseDescriptor*> selected;
  std::string error;
  const Profile* profile = nullptr;
  if (!o.profile.empty()) {
    profile = find_profile(o.profile);
    if (!profile) {
      fmt::print(stderr, "sigctx: error: --profile: '{}' is not a profile (profiles: {})\n",
                 o.profile, profile_names());
      return kExitUsage;
    }
  } else if (o.duration_s > 0) {
    fmt::print(stderr, "sigctx: error: --duration applies to a --profile run\n");
    return kExitUsage;
  }
  // With a profile, --cases adds to its cases; without one, an empty --cases means every case.
  if ((!profile || !o.cases.empty()) && !select_cases(o.cases, &selected, &error)) {
    fmt::print(stderr, "sigctx: error: {}\n", error);
    return kExitUsage;
  }
  if (profile)
    for (const std::string& id : profile->cases) {
      const CaseDescriptor* c = find_case(id);
      if (c && std::find(selected.begin(), selected.end(), c) == selected.end())
        selected.push_back(c);
    }
  // An option that applies to no selected case would be ignored: a run that looks like it
  // tested what was asked and did not.
  if (o.at >= 0 || o.stride > 1) {
    const char* flag = o.at >= 0 ? "--at" : "--stride";
    if (std::none_of(selected.begin(), selected.end(),
                     [](const CaseDescriptor* c) { return c->takes_boundaries; })) {
      fmt::print(stderr,
                 "sigctx: error: {} applies to the cases that inject at a dirty kernel's "
                 "boundaries (signal/step/*, signal/hwbp/*, signal/int3/*, ...), and none of the "
                 "{} selected does\n",
                 flag, selected.size());
      return kExitUsage;
    }
  }
  if (o.no_expectations && !o.expect_files.empty()) {
    fmt::print(stderr,
               "sigctx: error: --no-expectations judges by no expectation file, so --expect {} "
               "would be ignored\n",
               o.expect_files.front());
    return kExitUsage;
  }
  RunControls controls;
  controls.duration_s = o.duration_s;
  FaultSpec& fault = controls.fault;
  if (!o.inject_fault.empty()) {
    auto parsed = parse_fault_spec(o.inject_fault, &error);
    if (!parsed) {
      fmt::print(stderr, "sigctx: error: --inject-fault: {}\n", error);
      return kExitUsage;
    }
    fault = *parsed;
    // A mutation test that cannot mutate anything would pass and prove nothing.
    if (fault.kind != FaultKind::kGuard) {
      const ComponentDescriptor& c = component(fault.component);
      if (const Availability a = c.availability(live_machine()); !a.ok) {
        fmt::print(stderr,
                   "sigctx: error: --inject-fault {}: component {} is not available here ({}), "
                   "so no fault could be injected\n",
                   o.inject_fault, c.name, a.reason);
        return kExitUsage;
      }
    }
  }
  InjectionOverrides& injection = controls.injection;
  if (!o.injector.empty()) {
    injection.injector = parse_injector(o.injector);
    if (!injection.injector) {
      fmt::print(stderr, "sigctx: error: --injector: '{}' is not one of step, hwbp, int3, async\n",
                 o.injector);
      return kExitUsage;
    }
  }
  injection.at = o.at;
  injection.stride = o.stride;
  if (!o.emulate.empty()) {
    controls.emulation = find_emulation(o.emulate);
    if (!controls.emulation) {
      fmt::print(stderr, "sigctx: error: --emulate: {}\n", emulation_error(o.emulate));
      return kExitUsage;
    }
  }
  ExpectationSet expectations;
  if (!o.no_expectations && !load_builtin_expectations(&expectations, &error)) {
    fmt::print(stderr, "sigctx: error: built-in expectations: {}\n", error);
    return kExitUsage;
  }
  const size_t builtin_entries = expectations.entries.size();
  for (const std::string& path : o.expect_files)
    if (!load_expectations(path, &expectations, &error)) {
      fmt::print(stderr, "sigctx: error: --expect {}\n", error);
      return kExitUsage;
    }
  // A glob in the user's own file that matches no case is a typo that silently excuses
  // nothing (the shipped files' globs are held to every case by the tests).
  for (size_t i = builtin_entries; i < expectations.entries.size(); ++i)
    for (const std::string& glob : expectations.entries[i].cases)
      if (std::none_of(all_cases().begin(), all_cases().end(), [&](const CaseDescriptor& c) {
            return fnmatch(glob.c_str(), c.id.c_str(), 0) == 0;
          }))
        fmt::print(stderr,
                   "sigctx: warning: {}: case glob '{}' matches no case (see sigctx list)\n",
                   expectations.entries[i].source, glob);
  if (!check_outputs(run_output_files(o), run_input_files(o), &error)) {
    fmt::print(stderr, "sigctx: error: {}\n", error);
    return kExitUsage;
  }

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

  RunResult run;
  run.version = SIGCTX_VERSION;
  run.git_revision = SIGCTX_GIT_REVISION;
  run.machine = fingerprint_to_json(machine);
  const PlatformFacts platform = platform_facts(run.machine);
  run.started_at = utc_timestamp_now();
  run.options = {{"cases", o.cases},       {"seed", fmt::format("{:#x}", o.seed)},
                 {"repeat", o.repeat},     {"jobs", o.jobs},
                 {"timeout_s", timeout_s}, {"inject_fault", o.inject_fault},
                 {"injector", o.injector}, {"at", o.at},
                 {"stride", o.stride},     {"emulate", o.emulate},
                 {"junit", o.junit_path},  {"tap", o.tap},
                 {"profile", o.profile},   {"duration_s", o.duration_s},
                 {"bisect", o.bisect},     {"expectations", expectations.files}};

  // Slots in report order: a skip is known at once, a job reports through the executor.
  struct Slot {
    CaseResult result;
    bool ready = false;
  };
  std::vector<Slot> slots;
  std::vector<Job> jobs;
  std::vector<size_t> job_slot;
  for (unsigned rep = 0; rep < o.repeat; ++rep) {
    for (const CaseDescriptor* c : selected) {
      Slot s;
      const uint64_t seed = derived_seed(o.seed, rep);
      Availability a = c->applicable(machine);
      if (!a.ok) {
        s.result.id = c->id;
        s.result.status = Status::kSkip;
        s.result.reason = a.reason;
        s.result.seed = seed;
        s.result.iteration = rep;
        s.ready = true;
      } else {
        job_slot.push_back(slots.size());
        jobs.push_back({c, seed, rep});
      }
      slots.push_back(std::move(s));
    }
  }

  size_t next_report = 0;
  auto flush = [&] {
    while (next_report < slots.size() && slots[next_report].ready) {
      CaseResult& r = slots[next_report].result;
      r.reproduce = reproduce_line(r, o);
      // A result that carries differences is a failure, whatever the case set.
      if (r.failed() && (r.status == Status::kPass || r.status == Status::kXfail))
        r.status = Status::kFail;
      if (r.status == Status::kFail && r.reason.empty()) r.reason = failure_reason(r);
      apply_expectations(expectations, platform, r);
      if (o.tap)
        tap.case_done(r);
      else
        console.case_done(r);
      run.summary.add(r);
      run.cases.push_back(r);
      ++next_report;
    }
  };
  flush();
  ExecutorOptions eo;
  eo.jobs = o.jobs;
  eo.timeout_s = timeout_s;
  // A profile's case runs for its duration: the timeout starts counting after it.
  if (profile) eo.timeout_s += o.duration_s > 0 ? o.duration_s : profile->default_seconds;
  const std::string stopped = execute(jobs, machine, controls, eo, [&](size_t k, CaseResult&& r) {
    Slot& s = slots[job_slot[k]];
    s.result = std::move(r);
    s.ready = true;
    flush();
  });
  flush();
  // The command line or the limits it ran under, not the platform: no verdict, no result file.
  if (!stopped.empty()) {
    fmt::print(stderr, "sigctx: error: {}\n", stopped);
    return kExitUsage;
  }

  run.summary.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (o.tap)
    tap.summary(run.summary);
  else
    console.summary(run.summary);
  if (profile)
    for (const CaseResult& r : run.cases)
      if (std::find(profile->cases.begin(), profile->cases.end(), r.id) != profile->cases.end())
        fmt::print("{}{}\n", o.tap ? "# " : "", profile->summarize(r));
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

}  // namespace sigctx
