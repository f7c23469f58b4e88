#include <gtest/gtest.h>

#include "probes/cpuid.h"

TEST(Cpuid, LiveVendorLeafAnswers) { EXPECT_NE(sigctx::LiveCpuid().query(0, 0).eax, 0u); }
