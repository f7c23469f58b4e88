#include "tests/support/run_case.h"

#include <gtest/gtest.h>

#include "results/expectations.h"
#include "runners/case_registry.h"
#include "runners/executor.h"
#include "runners/fingerprint.h"

namespace sigctx::test {

const Machine& live_machine() {
  // With the platform probes, as `sigctx run` has them: a test that runs cases consults the same
  // findings and skips where the cases would.
  static const Machine m = [] {
    Machine probed = probe_machine();
    probed.platform = measure_platform(probed);
    return probed;
  }();
  return m;
}

void judge_by_builtin_expectations(CaseResult& r) {
  static const ExpectationSet builtin = [] {
    ExpectationSet set;
    std::string error;
    EXPECT_TRUE(load_builtin_expectations(&set, &error)) << error;
    return set;
  }();
  static const PlatformFacts platform = platform_facts(machine_to_json(live_machine()));
  apply_expectations(builtin, platform, r);
}

CaseResult run_case(const std::string& id, const std::string& fault_text,
                    const InjectionOverrides& injection, unsigned timeout_s,
                    const Emulation* emulation, double duration_s) {
  return run_case_on(live_machine(), id, fault_text, injection, timeout_s, emulation, duration_s);
}

CaseResult run_case_on(const Machine& machine, const std::string& id, const std::string& fault_text,
                       const InjectionOverrides& injection, unsigned timeout_s,
                       const Emulation* emulation, double duration_s) {
  const CaseDescriptor* c = find_case(id);
  EXPECT_NE(c, nullptr) << id;
  if (!c) return {};
  RunControls controls;
  controls.injection = injection;
  controls.emulation = emulation;
  controls.duration_s = duration_s;
  FaultSpec& fault = controls.fault;
  if (!fault_text.empty()) {
    std::string error;
    auto parsed = parse_fault_spec(fault_text, &error);
    EXPECT_TRUE(parsed.has_value()) << error;
    if (parsed) fault = *parsed;
  }
  CaseResult out;
  ExecutorOptions opts;
  opts.timeout_s = timeout_s;
  execute({{c, 0x6a09e667, 0}}, machine, controls, opts,
          [&](size_t, CaseResult&& r) { out = std::move(r); });
  judge_by_builtin_expectations(out);
  return out;
}

}  // namespace sigctx::test
