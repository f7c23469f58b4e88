// check_zero: runs of nonzero bytes with their offsets, lengths and decoded sources.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "xstate/pattern.h"
#include "xstate/routines/zero_check.h"

namespace sigctx {
namespace {

TEST(ZeroCheck, AllZeroIsZero) {
  std::vector<uint8_t> b(4096, 0);
  const ZeroCheck z = check_zero(b.data(), b.size());
  EXPECT_TRUE(z.zero());
  EXPECT_EQ(z.run_count, 0u);
}

TEST(ZeroCheck, PatternLanesAreDecodedWithOffsetAndLength) {
  std::vector<uint8_t> b(4096, 0);
  // A handler's ymm0 upper half (lanes 2 and 3) stored at offset 96, as a memclr would.
  const PatternSource h1{0x5ac, handler_role(1), 1};
  for (unsigned lane = 2; lane < 4; ++lane) {
    const uint64_t v = encode_lane(h1, ComponentId::kAvx, 0, lane);
    std::memcpy(b.data() + 96 + 8 * (lane - 2), &v, 8);
  }
  b[4000] = 0x7f;
  const ZeroCheck z = check_zero(b.data(), b.size());
  ASSERT_EQ(z.run_count, 2u);
  EXPECT_EQ(z.runs[0].offset, 96u);
  EXPECT_EQ(z.runs[0].length, 16u);
  EXPECT_NE(z.runs[0].source.find("handler level 1"), std::string::npos) << z.runs[0].source;
  EXPECT_EQ(z.runs[1].offset, 4000u);
  EXPECT_EQ(z.runs[1].length, 8u);  // whole words
  EXPECT_TRUE(z.runs[1].source.empty());
  const std::string text = describe_zero_check(z, b.size());
  EXPECT_NE(text.find("in 2 runs"), std::string::npos) << text;
  EXPECT_NE(text.find("offset 96, 16 bytes"), std::string::npos) << text;
}

TEST(ZeroCheck, RunsBeyondTheLimitAreCounted) {
  std::vector<uint8_t> b(1024, 0);
  for (size_t i = 0; i < 1024; i += 64)
    b[i] = 1;
  const ZeroCheck z = check_zero(b.data(), b.size(), 4);
  EXPECT_EQ(z.run_count, 16u);
  EXPECT_EQ(z.runs.size(), 4u);
  EXPECT_EQ(z.nonzero_bytes, 16u);
  EXPECT_NE(describe_zero_check(z, b.size()).find("and 12 more"), std::string::npos);
}

}  // namespace
}  // namespace sigctx
