// The exec entry-stack check, fed exactly the faults it detects: an rsp off the psABI's 16-byte
// alignment (as a kernel that pushed one word too many would leave it) and an rsp that does not
// point at argc.
#include <gtest/gtest.h>

#include "process/exec_case.h"

namespace sigctx {
namespace {

TEST(ExecEntryStack, AlignedAtArgcPasses) {
  EXPECT_FALSE(check_entry_stack(0x7ffc0000e0, 1).has_value());
}

TEST(ExecEntryStack, MisalignedRspIsNamed) {
  const auto f = check_entry_stack(0x7ffc0000e8, 1);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->check, "exec.entry_stack");
  EXPECT_EQ(f->actual, "rsp 0x7ffc0000e8, [rsp] 1");
}

TEST(ExecEntryStack, RspNotAtArgcIsNamed) {
  const auto f = check_entry_stack(0x7ffc0000e0, 0x7ffc0001f0);  // argv[0]'s address
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->check, "exec.entry_stack");
  EXPECT_NE(f->actual.find("[rsp] 549688705520"), std::string::npos) << f->actual;
}

}  // namespace
}  // namespace sigctx
