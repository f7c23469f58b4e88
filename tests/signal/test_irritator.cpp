// The handler really clobbers: what it leaves in every register right before sigreturn (seen
// by a capturing restorer) is its own pattern, for every component it irritates. Without this,
// every "the kernel restored it" verdict could be a register the handler never touched.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "engine/handler.h"
#include "engine/hold.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

extern "C" {
alignas(64) sigctx::CpuImage sigctx_test_captured;
sigctx::ComponentRoutine sigctx_test_capture_stores[sigctx::kComponentCount + 1];
void sigctx_test_capture_restorer();
}

namespace sigctx {
namespace {

// rt_sigaction with our own restorer: glibc's sigaction always installs its own.
struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};
constexpr unsigned long kSaRestorer = 0x04000000;

class Irritator : public ::testing::Test {
 protected:
  void SetUp() override {
    init_signal_runtime(m);
    irritated = available_components(m) &
                ~(component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase));
    image->clear();
    for (const ComponentDescriptor* c : all_components())
      if (irritated & component_bit(c->id)) c->fill(*image, m, src, Shape::kLanes);
    loaders = loaders_for(m, irritated);
    const RoutineList stores = stores_for(m, irritated);
    std::memcpy(sigctx_test_capture_stores, stores.fns.data(), sizeof(sigctx_test_capture_stores));
    std::memset(static_cast<void*>(&sigctx_test_captured), 0, sizeof(CpuImage));
    handler_plan().irritator[0] = {image.get(), loaders.data()};
    KernelSigaction act{sigctx_handler_entry, SA_SIGINFO | kSaRestorer,
                        sigctx_test_capture_restorer, 0};
    ASSERT_EQ(syscall(SYS_rt_sigaction, kPrimarySignal, &act, nullptr, 8), 0);
  }
  void TearDown() override { uninstall_handler(kPrimarySignal); }

  std::vector<RegisterDiff> captured_vs_irritator() {
    ClassifyContext ctx;
    ctx.machine = &m;
    ctx.expected = {src, Shape::kLanes};
    ctx.known = {ctx.expected};
    DiffOptions o;
    o.checked = irritated;
    o.gpr_skip = 1u << kRsp;
    return diff_images(*image, sigctx_test_captured, m, o, ctx);
  }

  const Machine m = probe_machine();
  const PatternSource src{0x77, kRoleHandler1, 3};
  ComponentMask irritated = 0;
  std::unique_ptr<CpuImage> image = std::make_unique<CpuImage>();
  RoutineList loaders;
};

TEST_F(Irritator, LeavesItsPatternInEveryComponent) {
  raise_in_this_thread(kPrimarySignal);
  ASSERT_EQ(handler_plan().delivered[1].load(), 1u);
  const auto diffs = captured_vs_irritator();
  for (const auto& d : diffs)
    ADD_FAILURE() << describe_diff(d);
  EXPECT_TRUE(diffs.empty());
  EXPECT_NE(sigctx_test_captured.gpr[kRbx], 0u) << "the restorer captured something";
}

// The same comparison fails when the handler does not irritate: the test can tell.
TEST_F(Irritator, WithoutIrritationTheCaptureDiffers) {
  handler_plan().irritate = false;
  raise_in_this_thread(kPrimarySignal);
  ASSERT_EQ(handler_plan().delivered[1].load(), 1u);
  const auto diffs = captured_vs_irritator();
  EXPECT_GT(diffs.size(), 10u);
}

}  // namespace
}  // namespace sigctx
