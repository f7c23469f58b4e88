// The zeroing routines' mutation tests: a handler that leaves the zeroing register nonzero (the
// illumos-15254 effect on memclr's YMM0, a broken XMM0 for the SSE and non-temporal routines)
// must be caught by the buffer check, with the nonzero bytes decoded back to the handler's
// pattern and its register.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "engine/emulation.h"
#include "runners/case_registry.h"
#include "tests/support/run_case.h"
#include "xstate/routines/routine.h"

namespace sigctx {
namespace {

using test::live_machine;
using test::run_case;

const Finding* buffer_finding(const CaseResult& r, const std::string& routine) {
  for (const Finding& f : r.findings)
    if (f.check == routine + ".buffer") return &f;
  return nullptr;
}

TEST(ZeroingRoutines, IllumosEffectOnMemclrIsDecodedToTheHandlersYmm0) {
  const DirtyRoutine* k = find_routine("memclr");
  ASSERT_NE(k, nullptr);
  if (!routine_available(*k, live_machine()).ok) GTEST_SKIP() << "no AVX";
  // Boundary 1: after the VXORPS that zeroes YMM0, before the first store.
  InjectionOverrides at1;
  at1.at = 1;
  const CaseResult r = run_case("signal/step/memclr", "", at1, 60, find_emulation("illumos-15254"));
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  const Finding* f = buffer_finding(r, "memclr");
  ASSERT_NE(f, nullptr);
  // The stores wrote YMM0's upper half, which the handler left: lanes 2 and 3 of its ymm0.
  EXPECT_NE(f->message.find("ymm0 lane 2 of handler level 1's pattern"), std::string::npos)
      << f->message;
  EXPECT_NE(f->message.find("bytes are not zero"), std::string::npos) << f->message;
}

struct BrokenZeroRegister {
  const char* routine;
  const char* fault;  // the zeroing register, broken by the handler at the first boundary
  const char* decoded;
  const char* first_run;  // the upper half of a register lands at an offset of its own
};

class ZeroingRoutineFault : public ::testing::TestWithParam<BrokenZeroRegister> {};

TEST_P(ZeroingRoutineFault, NonzeroBytesNameTheHandlersRegister) {
  const BrokenZeroRegister& b = GetParam();
  const DirtyRoutine* k = find_routine(b.routine);
  ASSERT_NE(k, nullptr);
  const Availability a = routine_available(*k, live_machine());
  if (!a.ok) GTEST_SKIP() << a.reason;
  // Boundary 1: right after the instruction that zeroes the register.
  const CaseResult r = run_case(fmt::format("signal/step/{}", b.routine), b.fault);
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  const Finding* f = buffer_finding(r, b.routine);
  ASSERT_NE(f, nullptr) << b.routine;
  EXPECT_NE(f->message.find(b.decoded), std::string::npos) << f->message;
  EXPECT_NE(f->message.find(b.first_run), std::string::npos) << f->message;
}

INSTANTIATE_TEST_SUITE_P(
    Alloc, ZeroingRoutineFault,
    ::testing::Values(
        BrokenZeroRegister{"sse_memclr", "sse:xmm0:leak@1", "xmm0 lane 0 of handler level 1",
                           "in 1 run: offset 0, 2048 bytes"},
        BrokenZeroRegister{"nt_memclr", "sse:xmm0:leak@1", "xmm0 lane 0 of handler level 1",
                           "in 1 run: offset 0, 2048 bytes"},
        BrokenZeroRegister{"memclr", "avx:ymm0:leak@1", "ymm0 lane 2 of handler level 1",
                           "in 128 runs: offset 16, 16 bytes"},
        BrokenZeroRegister{"avx512_memclr", "zmm_hi256:zmm0:leak@1",
                           "zmm0 lane 4 of handler level 1", "offset 32, 32 bytes"}),
    [](const ::testing::TestParamInfo<BrokenZeroRegister>& info) {
      return std::string(info.param.routine);
    });

// Under a storm the sweep driver dirties a slice of an 8 MiB buffer, the routine clears it, and
// the driver checks it: the first delivery inside the routine leaves the handler's register, and
// the slice it lands in keeps the handler's values, decoded with their offsets.
class ZeroingStormFault : public ::testing::TestWithParam<BrokenZeroRegister> {};

TEST_P(ZeroingStormFault, TheBadSliceIsDecoded) {
  const BrokenZeroRegister& b = GetParam();
  const DirtyRoutine* k = find_routine(b.routine);
  ASSERT_NE(k, nullptr);
  const Availability a = routine_available(*k, live_machine());
  if (!a.ok) GTEST_SKIP() << a.reason;
  const CaseResult r = run_case(fmt::format("signal/storm/{}", b.routine), b.fault);
  ASSERT_EQ(r.status, Status::kFail) << r.reason;
  const Finding* f = buffer_finding(r, b.routine);
  ASSERT_NE(f, nullptr) << b.routine;
  EXPECT_NE(f->message.find(b.decoded), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("storm, slice "), std::string::npos) << f->message;
}

INSTANTIATE_TEST_SUITE_P(Alloc, ZeroingStormFault,
                         ::testing::Values(BrokenZeroRegister{"memclr", "avx:ymm0:leak",
                                                              "ymm0 lane 2 of handler level 1", ""},
                                           BrokenZeroRegister{"sse_memclr", "sse:xmm0:leak",
                                                              "xmm0 lane 0 of handler level 1",
                                                              ""}),
                         [](const ::testing::TestParamInfo<BrokenZeroRegister>& info) {
                           return std::string(info.param.routine);
                         });

}  // namespace
}  // namespace sigctx
