#include "engine/frame_probe.h"

#include <cstring>
#include <memory>

#include "engine/altstack.h"
#include "engine/frame.h"
#include "engine/handler.h"

namespace sigctx {

SignalFrameFacts measure_signal_frame(const Machine& m) {
  SignalFrameFacts facts;
  init_signal_runtime(m);
  HandlerPlan& plan = handler_plan();
  plan.irritate = false;
  auto snapshot = std::make_unique<FrameSnapshot>();
  plan.snapshot = snapshot.get();
  constexpr size_t kSize = 256 * 1024;
  GuardedAltstack stack(kSize);
  if (!stack.ok()) {
    facts.error = "mmap failed";
    return facts;
  }
  constexpr uint8_t kCanary = 0x5a;
  std::memset(stack.sp(), kCanary, kSize);
  install_handler(kPrimarySignal, true);
  if (!stack.install()) {
    facts.error = "sigaltstack failed";
    return facts;
  }
  raise_in_this_thread(kPrimarySignal);
  GuardedAltstack::disable();
  uninstall_handler(kPrimarySignal);
  if (plan.delivered[1].load() != 1 || !snapshot->captured) {
    facts.error = "the signal was not delivered";
    return facts;
  }
  const uint64_t rsp = plan.observed[1].frame_rsp;
  if (rsp < reinterpret_cast<uint64_t>(stack.sp()) || rsp >= stack.top()) {
    facts.error = "the signal was not delivered on the alternate stack";
    return facts;
  }
  facts.measured = true;
  facts.frame_size = stack.top() - rsp;
  size_t lowest = 0;
  while (lowest < kSize && stack.sp()[lowest] == kCanary)
    ++lowest;
  facts.footprint = kSize - lowest;
  SignalFrame frame = SignalFrame::of(*snapshot);
  facts.has_xstate_magic = frame.magic1() == kFpXstateMagic1;
  if (!facts.has_xstate_magic) return facts;  // an FXSAVE-only frame: no sizes, no header
  facts.xstate_size = frame.xstate_size();
  facts.extended_size = frame.extended_size();
  facts.xfeatures = frame.xfeatures();
  facts.xstate_bv = frame.xstate_bv();
  facts.xcomp_bv = frame.xcomp_bv();
  return facts;
}

}  // namespace sigctx
