// sigctx reproduce CASE -o FILE.c: the case as one self-contained C program
// (engine/reproducer.h), for a maintainer who will not build the suite.
#include <fmt/format.h>
#include <algorithm>

#include "engine/fault.h"
#include "engine/reproducer.h"
#include "results/output_file.h"
#include "runners/case_registry.h"
#include "runners/commands.h"
#include "runners/fingerprint.h"

namespace sigctx {

namespace {

// Whether an emulation's C acts at a hook the plan's driver calls.
bool emulation_reaches(std::string_view code, const ReproducerPlan& plan) {
  for (const char* point :
       {"EMULATE_ON_ENTRY", "EMULATE_ON_RETURN", "EMULATE_AFTER_SWITCH", "EMULATE_CORE_NOTE"})
    if (code.find(std::string("#define ") + point) != std::string_view::npos &&
        plan.emulation_points.find(point) != std::string::npos)
      return true;
  return false;
}

// --emulate BUG: the bug's C, when it acts where the case's driver calls it.
bool add_emulation(const std::string& bug, const std::string& case_id, ReproducerPlan* plan) {
  std::string why;
  const char* code = emulation_in_c(bug, &why);
  if (!code) {
    fmt::print(stderr, "sigctx: error: --emulate: '{}' has no reproducer emulation: {}\n", bug,
               why);
    return false;
  }
  if (!emulation_reaches(code, *plan)) {
    fmt::print(stderr,
               "sigctx: error: --emulate: {} acts where {}'s program does not reach (it calls: "
               "{})\n",
               bug, case_id, plan->emulation_points.empty() ? "none" : plan->emulation_points);
    return false;
  }
  plan->emulated_bug = bug;
  plan->emulation_code = code;
  return true;
}

}  // namespace

std::string reproducer_line(const std::string& case_id, uint64_t seed,
                            const std::string& inject_fault, const std::string& emulate) {
  const CaseDescriptor* c = find_case(case_id);
  if (!c || !c->reproducer) return "";
  const ReproducerPlan plan = c->reproducer(live_machine());
  if (!plan.unsupported.empty() || !reproducer_component_gap(plan.checked).empty()) return "";
  std::string line = reproduce_command(case_id, seed);
  if (!inject_fault.empty()) line.insert(line.rfind(" -o "), " --inject-fault " + inject_fault);
  std::string why;
  const char* code = emulate.empty() ? nullptr : emulation_in_c(emulate, &why);
  if (code && emulation_reaches(code, plan))
    line.insert(line.rfind(" -o "), " --emulate " + emulate);
  return line;
}

int reproduce_command(const ReproduceOptions& o) {
  const CaseDescriptor* c = find_case(o.case_id);
  if (!c) {
    fmt::print(stderr, "sigctx: error: reproduce: no case '{}' (sigctx list shows them)\n",
               o.case_id);
    return kExitUsage;
  }
  FaultSpec fault;
  if (!o.inject_fault.empty()) {
    std::string error;
    const auto parsed = parse_fault_spec(o.inject_fault, &error);
    if (!parsed || parsed->kind == FaultKind::kGuard) {
      fmt::print(stderr, "sigctx: error: --inject-fault: {}\n",
                 parsed ? "'guard' has no reproducer" : error);
      return kExitUsage;
    }
    fault = *parsed;
  }
  const ReproducerPlan plan =
      c->reproducer
          ? c->reproducer(live_machine())
          : ReproducerPlan{.unsupported = fmt::format("the {} family has no standalone reproducer",
                                                      c->id.substr(0, c->id.find('/')))};
  ReproducerPlan plan_with = plan;
  std::string why = plan.unsupported;
  if (why.empty()) why = reproducer_component_gap(plan.checked);
  if (why.empty() && !o.emulate.empty() && !add_emulation(o.emulate, c->id, &plan_with))
    return kExitUsage;
  if (!why.empty()) {
    fmt::print(stderr, "sigctx: reproduce: {} cannot be made standalone: {}\n", c->id, why);
    return kExitUsage;
  }
  std::string command = fmt::format("sigctx reproduce {} --seed {:#x}", c->id, o.seed);
  if (!o.inject_fault.empty()) command += " --inject-fault " + o.inject_fault;
  if (!o.emulate.empty()) command += " --emulate " + o.emulate;
  command += " -o " + o.output;
  std::string error;
  const std::string program =
      emit_reproducer(c->id, plan_with, o.seed, fault, live_machine(), command,
                      o.output == "-" ? "FILE.c" : o.output, &error);
  if (program.empty()) {
    fmt::print(stderr, "sigctx: error: --inject-fault: {}\n", error);
    return kExitUsage;
  }
  if (o.output == "-") {
    fmt::print("{}", program);
    return kExitOk;
  }
  if (!write_output_file(o.output, program, &error)) {
    fmt::print(stderr, "sigctx: error: -o {}: {}\n", o.output, error);
    return kExitUsage;
  }
  fmt::print(stderr, "sigctx: wrote {} ({} lines): cc -O2 -o repro {} && ./repro\n", o.output,
             std::count(program.begin(), program.end(), '\n'), o.output);
  return kExitOk;
}

}  // namespace sigctx
