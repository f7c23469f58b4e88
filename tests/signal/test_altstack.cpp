// GuardedAltstack's promise that a delivery writes into pages nothing touched before (the
// linux-5.2-sigframe trigger), checked through mincore: a fresh stack has no resident page, and
// a single byte written into it is seen.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "engine/altstack.h"
#include "probes/machine.h"

namespace sigctx {
namespace {

// Without AMX permission Linux's floor is MINSIGSTKSZ; the probe finds it exactly and puts the
// current alternate stack back.
TEST(GuardedAltstack, TheSmallestAcceptedSizeIsFoundAndTheStackKept) {
  GuardedAltstack stack(8192);
  ASSERT_TRUE(stack.install());
  const size_t floor = smallest_accepted_altstack();
  if (!((current_xcomp_perm() >> 18) & 1)) {
    EXPECT_EQ(floor, kKernelMinSigStkSz);
  }
  EXPECT_GE(floor, kKernelMinSigStkSz);
  stack_t now{};
  ASSERT_EQ(sigaltstack(nullptr, &now), 0);
  EXPECT_EQ(now.ss_sp, stack.sp());
  EXPECT_EQ(now.ss_size, stack.size());
  GuardedAltstack::disable();
  EXPECT_EQ(smallest_accepted_altstack(), floor);
  ASSERT_EQ(sigaltstack(nullptr, &now), 0);
  EXPECT_TRUE(now.ss_flags & SS_DISABLE) << "a disabled stack stays disabled";
}

TEST(GuardedAltstack, FreshStackHasNoResidentPage) {
  GuardedAltstack stack(3 * 4096 + 100);
  ASSERT_TRUE(stack.ok());
  EXPECT_EQ(stack.resident_pages(), 0);
}

// The mutation: one byte written into the stack, as a case that pre-faulted it would.
TEST(GuardedAltstack, OneWrittenByteMakesAPageResident) {
  GuardedAltstack stack(3 * 4096 + 100);
  ASSERT_TRUE(stack.ok());
  stack.sp()[stack.size() - 1] = 1;
  EXPECT_EQ(stack.resident_pages(), 1);
  stack.sp()[0] = 1;
  EXPECT_EQ(stack.resident_pages(), 2);
}

volatile sig_atomic_t g_delivered = 0;

TEST(GuardedAltstack, ADeliveryFaultsInTheFramePages) {
  GuardedAltstack stack(64 * 1024);
  ASSERT_TRUE(stack.ok());
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_delivered = 1; };
  sa.sa_flags = SA_ONSTACK;
  struct sigaction old {};
  ASSERT_EQ(sigaction(SIGUSR2, &sa, &old), 0);
  ASSERT_TRUE(stack.install());
  ASSERT_EQ(stack.resident_pages(), 0);
  raise(SIGUSR2);
  GuardedAltstack::disable();
  sigaction(SIGUSR2, &old, nullptr);
  ASSERT_EQ(g_delivered, 1);
  EXPECT_GE(stack.resident_pages(), 1);
}

}  // namespace
}  // namespace sigctx
