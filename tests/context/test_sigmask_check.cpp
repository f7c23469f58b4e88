// The signal-mask checker of the context cases: a mask that did not come back is reported with
// the signals it gained and lost, and an intact one is not.
#include <gtest/gtest.h>

#include <signal.h>

#include "context/sigmask_check.h"

namespace sigctx {
namespace {

constexpr uint64_t bit(int sig) {
  return 1ull << (sig - 1);
}

TEST(SigmaskCheck, AnIntactMaskPasses) {
  EXPECT_FALSE(check_sigmask(bit(SIGWINCH) | bit(42), bit(SIGWINCH) | bit(42), "after x"));
}

TEST(SigmaskCheck, AChangedMaskNamesWhatWasGainedAndLost) {
  const auto f = check_sigmask(bit(SIGWINCH) | bit(42), bit(SIGXCPU) | bit(42), "after setcontext");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->check, "context.sigmask");
  EXPECT_NE(f->message.find("after setcontext"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("SIGXCPU blocked, SIGWINCH unblocked"), std::string::npos)
      << f->message;
  EXPECT_EQ(f->expected, "0x20008000000 (SIGWINCH signal 42)");
  EXPECT_EQ(f->actual, "0x20000800000 (SIGXCPU signal 42)");
}

}  // namespace
}  // namespace sigctx
