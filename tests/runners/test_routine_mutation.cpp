// Exact-instruction injection, mutation-tested: a fault injected at one dynamic boundary of a
// dirty routine, on a register live there, must be found by every step variant's sweep and by
// --at with each injector, which must name the boundary, its instruction, the register and the
// class. The same cases without the fault pass.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "runners/case_registry.h"
#include "runners/executor.h"
#include "tests/support/gtest_name.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"
#include "xstate/routines/routine.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

// A register each routine keeps live at a boundary of its first execution pass (so an int3 can
// reach it too).
struct Target {
  const char* routine;
  const char* component;
  const char* reg;
  int64_t boundary;
};
constexpr Target kTargets[] = {
    {"gpr_mix", "gpr", "r9", 10},        {"sse_mix", "sse", "xmm5", 30},
    {"avx_mix", "avx", "ymm6", 40},      {"avx512_mix", "opmask", "k4", 20},
    {"memclr", "avx", "ymm0", 3},        {"x87_stack", "x87", "st3", 30},
    {"mxcsr_fcw", "mxcsr", "mxcsr", 9},  // between LDMXCSR and the CVTSD2SI it steers
    {"fsbase_pkru", "pkru", "pkru", 20}, {"fsbase_pkru", "fsbase", "fsbase", 18},
};

struct RoutineMutation {
  Target target;
  const char* kind;                  // case prefix
  std::optional<Injector> injector;  // --injector with --at, or none for the sweep
};

std::vector<RoutineMutation> all() {
  std::vector<RoutineMutation> out;
  for (const Target& t : kTargets) {
    for (const char* kind : {"step", "step-nested", "step-edit", "step-frame", "step-yield"})
      out.push_back({t, kind, std::nullopt});
    for (Injector i : {Injector::kStep, Injector::kHwbp, Injector::kInt3})
      out.push_back({t, "step", i});
  }
  return out;
}

std::string name_of(const ::testing::TestParamInfo<RoutineMutation>& info) {
  return test::gtest_name(fmt::format(
      "{}_{}_{}_{}", info.param.target.routine, info.param.target.reg, info.param.kind,
      info.param.injector ? fmt::format("at_{}", injector_name(*info.param.injector)) : "sweep"));
}

class RoutineMutationTest : public ::testing::TestWithParam<RoutineMutation> {};

TEST_P(RoutineMutationTest, FoundAtItsBoundary) {
  const RoutineMutation& mu = GetParam();
  const DirtyRoutine* k = find_routine(mu.target.routine);
  ASSERT_NE(k, nullptr);
  const Availability a = routine_available(*k, live_machine());
  if (!a.ok) GTEST_SKIP() << k->name << " cannot run here: " << a.reason;
  InjectionOverrides injection;
  if (mu.injector) {
    injection.injector = mu.injector;
    injection.at = mu.target.boundary;
  }
  // switch/step-yield steps like signal/step, with a sibling thread on the CPU.
  const bool yield = std::string(mu.kind) == "step-yield";
  const std::string id =
      fmt::format("{}/{}/{}", yield ? "switch" : "signal", mu.kind, mu.target.routine);
  const std::string fault =
      fmt::format("{}:{}@{}", mu.target.component, mu.target.reg, mu.target.boundary);
  const CaseResult r = run_case(id, fault, injection);
  ASSERT_EQ(r.status, Status::kFail)
      << id << " --inject-fault " << fault << ": " << status_name(r.status) << " " << r.reason;
  EXPECT_EQ(r.facts.value("failing_boundary", int64_t{-1}), mu.target.boundary);
  ASSERT_FALSE(r.diffs.empty());
  const RegisterDiff& d = r.diffs.front();
  EXPECT_EQ(component(d.component).name, mu.target.component);
  EXPECT_EQ(d.reg, mu.target.reg);
  EXPECT_EQ(d.cls, DiffClass::kHandler) << d.source;
  EXPECT_EQ(d.injection.routine, mu.target.routine);
  EXPECT_EQ(d.injection.boundary, mu.target.boundary);
  EXPECT_FALSE(d.injection.instruction.empty());
  EXPECT_EQ(d.where, fmt::format("after sigreturn at boundary {}", mu.target.boundary));
  if (yield) {
    // The sibling's hold breaks the same register after its first yield.
    bool sibling = false;
    for (const RegisterDiff& s : r.diffs)
      if (s.where.rfind("in the sibling (thread 1)", 0) == 0) {
        sibling = true;
        EXPECT_EQ(component(s.component).name, mu.target.component);
        EXPECT_EQ(s.reg, mu.target.reg);
        EXPECT_EQ(s.cls, DiffClass::kHandler) << s.source;
      }
    EXPECT_TRUE(sibling) << id << " " << fault;
  }
  if (k->buffer_bytes) {
    bool buffer = false;
    for (const Finding& f : r.findings)
      buffer |= f.check == std::string(k->name) + ".buffer";
    EXPECT_TRUE(buffer) << "the handler's value reached the buffer";
  }
  EXPECT_NE(r.reproduce_options.find(fmt::format("--at {}", mu.target.boundary)), std::string::npos)
      << r.reproduce_options;
}

INSTANTIATE_TEST_SUITE_P(Routines, RoutineMutationTest, ::testing::ValuesIn(all()), name_of);

// Without the fault every routine case passes, and injects as much as it should.
TEST(RoutineControl, UnmutatedCasesPass) {
  for (const CaseDescriptor& c : all_cases()) {
    if ((c.id.rfind("signal/", 0) != 0 && c.id.rfind("switch/step-yield/", 0) != 0) ||
        c.routine == "sigctx_hold" || c.routine == "sigctx_handler_entry")
      continue;
    if (!c.applicable(live_machine()).ok) continue;
    if (c.id.find("/storm/") != std::string::npos) continue;  // timed, see below
    const CaseResult r = run_case(c.id, "");
    EXPECT_EQ(r.status, Status::kPass) << c.id << ": " << r.reason;
    EXPECT_GT(r.injections, 0u) << c.id;
  }
}

TEST(RoutineControl, StormsDeliverIntoTheRoutine) {
  const CaseResult r = run_case("signal/storm/sse_mix", "");
  ASSERT_EQ(r.status, Status::kPass) << r.reason;
  for (const char* phase : {"tgkill", "posix-timer", "task-clock"})
    EXPECT_GT(r.facts["storm"][phase].value("signals", 0u), 0u) << phase;
}

// A fault at a boundary the case never injects at cannot show: an error, not a pass.
TEST(RoutineControl, FaultAtAnUninjectedBoundaryIsAnError) {
  // The int3 case samples boundaries 0, 5, 10, 16, 21, ... of sse_mix's 64.
  const CaseResult r = run_case("signal/int3/sse_mix", "sse:xmm2@22");
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_NE(r.reason.find("never fired"), std::string::npos) << r.reason;
}

// Frame edits that a routine ignores are found by the edit check itself.
TEST(RoutineControl, IgnoredFrameEditIsNamed) {
  const CaseResult r = run_case("signal/step-edit/gpr_mix", "sse:xmm7:zero@50");
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings.front().check, "edit.took_effect");
  EXPECT_NE(r.findings.front().message.find("boundary 50"), std::string::npos);
  EXPECT_EQ(r.facts.value("failing_boundary", int64_t{-1}), 50);
}

}  // namespace
}  // namespace sigctx
