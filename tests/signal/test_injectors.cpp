// The injectors themselves: each reaches exactly the boundary asked for, and counts it.
#include <gtest/gtest.h>

#include "engine/handler.h"
#include "engine/hwbp.h"
#include "engine/routine_run.h"
#include "xstate/component_registry.h"
#include "xstate/disasm.h"

namespace sigctx {
namespace {

class Injectors : public ::testing::Test {
 protected:
  void SetUp() override {
    init_signal_runtime(m);
    mask = available_components(m) &
           ~(component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase));
    in->clear();
    for (const ComponentDescriptor* c : all_components())
      if (mask & component_bit(c->id)) c->fill(*in, m, {1, kRoleMain, 1}, Shape::kLanes);
    in->host_fsbase = sigctx_host_fsbase;
    loaders = loaders_for(m, mask);
    stores = stores_for(m, mask);
    plan = {PLAN_ACTION_ROUTINE, loaders.data(), stores.data(), default_hold_options(m)};
    install_handler(SIGTRAP, false);
    install_handler(kCaptureSignal, false);
    // The dynamic boundaries of one run.
    RoutineRunRequest req;
    req.routine = routine;
    req.action = HandlerAction::kNone;
    trace.reserve(4096);
    req.trace = &trace;
    run_routine(m, req, plan, *in, *out, nullptr);
  }
  void TearDown() override {
    uninstall_handler(SIGTRAP);
    uninstall_handler(kCaptureSignal);
  }
  // Captures the frame at boundary b with the given injector; returns its rip.
  uint64_t rip_at(Injector injector, uint64_t b, bool force_fsetsig = false) {
    RoutineRunRequest req;
    req.routine = routine;
    req.injector = injector;
    req.action = HandlerAction::kNone;
    req.selection.at = static_cast<int64_t>(b);
    req.target_dynamic = b;
    req.target_offset = trace[b];
    req.occurrence = 0;
    for (uint64_t j = 0; j <= b; ++j)
      req.occurrence += trace[j] == trace[b];
    req.capture = true;
    req.force_fsetsig = force_fsetsig;
    const RoutineRunResult r = run_routine(m, req, plan, *in, *out, snapshot.get());
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.injected, 1u) << injector_name(injector) << " at " << b;
    EXPECT_TRUE(r.captured);
    return SignalFrame::of(*snapshot).rip();
  }

  const Machine m = probe_machine();
  const DirtyRoutine* routine = find_routine("gpr_mix");  // a loop: boundaries repeat offsets
  ComponentMask mask = 0;
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out = std::make_unique<CpuImage>();
  std::unique_ptr<FrameSnapshot> snapshot = std::make_unique<FrameSnapshot>();
  RoutineList loaders, stores;
  HoldPlan plan;
  std::vector<uint32_t> trace;
};

TEST_F(Injectors, TheStepTraceCoversEveryInstruction) {
  ASSERT_EQ(trace.size(), 115u) << "gpr_mix: a push, 4 rounds of 28, a lea and a ret";
  // Every offset is an instruction start that the disassembler decodes.
  for (uint32_t off : trace) {
    const Disassembly d = disassemble(routine->entry + off, off);
    EXPECT_GT(d.length, 0u) << "offset " << off << ": " << d.text;
  }
  EXPECT_EQ(trace.back(), static_cast<uint32_t>(routine->code_end - routine->entry) - 1)
      << "the last boundary is the ret";
}

TEST_F(Injectors, EachInjectorStopsAtTheSameInstruction) {
  const uint64_t entry = reinterpret_cast<uint64_t>(routine->entry);
  // Boundary 40 is the second execution of its instruction (round 2 of the loop).
  const uint64_t b = 40;
  EXPECT_EQ(rip_at(Injector::kStep, b), entry + trace[b]);
  std::string why;
  if (hardware_breakpoints_usable(&why)) {
    EXPECT_EQ(rip_at(Injector::kHwbp, b), entry + trace[b]);
    // The F_SETSIG route for routines without sigtrap stops at the same place.
    EXPECT_EQ(rip_at(Injector::kHwbp, b, /*force_fsetsig=*/true), entry + trace[b]);
  } else {
    ADD_FAILURE() << "hardware breakpoints unavailable here: " << why;
  }
}

TEST_F(Injectors, Int3StopsInItsCopyAtAFirstExecution) {
  const uint64_t b = 10;  // round 1
  const uint64_t rip = rip_at(Injector::kInt3, b);
  const uint64_t entry = reinterpret_cast<uint64_t>(routine->entry);
  EXPECT_NE(rip, entry + trace[b]) << "the copy runs, not the original";
  // The copy is mapped at a page boundary, so the instruction sits at its offset from one.
  EXPECT_EQ((rip - trace[b]) % 4096, 0u) << std::hex << rip;
}

}  // namespace
}  // namespace sigctx
