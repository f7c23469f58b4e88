// What one signal costs here, with the handler the storms use: it clobbers every available
// component, so the kernel saves and restores all of them. Storm periods and time limits are
// derived from it (engine/storm.cpp, runners/executor.cpp): on a nested hypervisor a delivery
// took 12 us, more than the storms' fixed 20 us timer allowed, and the process never left its
// handler.
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>

#include "engine/calibration.h"
#include "engine/case_support.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "platform/capability_probes.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

constexpr double kMeasureMs = 10;
constexpr uint64_t kMostRepetitions = 1u << 20;

}  // namespace

double measure_delivery_ns(const Machine& m, const ClockFacts& clock) {
  const ComponentMask available = available_components(m);
  if (!prepare_components(m, available).ok) return 0;
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  const ComponentMask irritated = available & ~kSegmentBases;
  auto image = std::make_unique<CpuImage>();
  image->clear();
  for (const ComponentDescriptor* c : all_components())
    if (irritated & component_bit(c->id))
      c->fill(*image, m, {1, handler_role(1), 1}, Shape::kLanes);
  const RoutineList loaders = loaders_for(m, irritated);
  plan.irritator[0] = {image.get(), loaders.data()};
  install_handler(kPrimarySignal, false);
  const Calibration c = calibrate(
      [](uint64_t n) {
        for (uint64_t i = 0; i < n; ++i)
          raise_in_this_thread(kPrimarySignal);
      },
      kMeasureMs, monotonic_clock(clock.step_ns), 16, kMostRepetitions);
  uninstall_handler(kPrimarySignal);
  plan.irritator[0] = {};
  return c.ns_per_unit;
}

double measure_syscall_ns(const ClockFacts& clock) {
  const Calibration c = calibrate(
      [](uint64_t n) {
        for (uint64_t i = 0; i < n; ++i)
          syscall(SYS_getppid);
      },
      kMeasureMs, monotonic_clock(clock.step_ns), 64, kMostRepetitions * 16);
  return c.ns_per_unit;
}

}  // namespace sigctx
