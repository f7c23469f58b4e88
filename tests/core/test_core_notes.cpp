// The core checker's checks beside the register values, each fed exactly the fault it detects:
// NT_PRSTATUS naming another instruction or another signal, a note that is absent, and a note
// too short for a component the case loaded.
#include <gtest/gtest.h>
#include <signal.h>

#include "core/core_case.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::live_machine;

constexpr uint64_t kCrashRip = 0x401002;

CoreNotes good_prstatus() {
  CoreNotes n;
  n.prstatus = true;
  n.signal = SIGABRT;
  n.regs.assign(27, 0);
  n.regs[16] = kCrashRip;  // pr_reg's rip slot
  return n;
}

TEST(CorePrstatus, TheCrashPointAndSignalPass) {
  EXPECT_TRUE(check_prstatus_header(good_prstatus(), kCrashRip, SIGABRT).empty());
}

TEST(CorePrstatus, RipElsewhereIsNamed) {
  CoreNotes n = good_prstatus();
  n.regs[16] = kCrashRip - 2;  // the SYSCALL itself, not the instruction after it
  const auto f = check_prstatus_header(n, kCrashRip, SIGABRT);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].check, "core.prstatus_rip");
  EXPECT_EQ(f[0].expected, "0x401002");
  EXPECT_EQ(f[0].actual, "0x401000");
}

TEST(CorePrstatus, MissingRipIsNamed) {
  CoreNotes n = good_prstatus();
  n.regs.resize(10);
  const auto f = check_prstatus_header(n, kCrashRip, SIGABRT);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].check, "core.prstatus_rip");
}

TEST(CorePrstatus, AnotherSignalIsNamed) {
  CoreNotes n = good_prstatus();
  n.signal = SIGSEGV;
  const auto f = check_prstatus_header(n, kCrashRip, SIGABRT);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].check, "core.prstatus_signal");
  EXPECT_EQ(f[0].actual, std::to_string(SIGSEGV));
}

TEST(CoreNotesRead, AbsentNoteIsNamed) {
  auto view = std::make_unique<CpuImage>();
  std::vector<Finding> f;
  EXPECT_FALSE(read_note_components("NT_PRFPREG", {}, false, component_bit(ComponentId::kSse),
                                    live_machine(), view.get(), &f));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].check, "core.note_missing");
  EXPECT_NE(f[0].message.find("NT_PRFPREG"), std::string::npos);
}

TEST(CoreNotesRead, ALegacyImageReadsAndAShortOneIsNamed) {
  auto view = std::make_unique<CpuImage>();
  std::vector<Finding> f;
  std::vector<uint8_t> fxsave(512, 0);
  fxsave[160] = 0x5a;  // xmm0's first byte
  ASSERT_TRUE(read_note_components("NT_PRFPREG", fxsave, false, component_bit(ComponentId::kSse),
                                   live_machine(), view.get(), &f));
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(view->bytes()[fields_of(component(ComponentId::kSse), live_machine())[0].offset], 0x5a);
  // The mutation: the note cut off inside the XMM registers.
  fxsave.resize(200);
  EXPECT_FALSE(read_note_components("NT_PRFPREG", fxsave, false, component_bit(ComponentId::kSse),
                                    live_machine(), view.get(), &f));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].check, "core.note_short");
  EXPECT_NE(f[0].message.find("cannot hold sse"), std::string::npos) << f[0].message;
  EXPECT_EQ(f[0].actual, "200 bytes");
}

TEST(CoreNotesRead, AnXstateNoteWithoutTheAvxAreaIsShort) {
  const Machine& m = live_machine();
  if (!component(ComponentId::kAvx).availability(m).ok) GTEST_SKIP() << "no AVX here";
  auto view = std::make_unique<CpuImage>();
  std::vector<Finding> f;
  // Legacy area and XSAVE header only, declaring AVX in XSTATE_BV.
  std::vector<uint8_t> xstate(576, 0);
  xstate[512] = 0x7;
  EXPECT_FALSE(read_note_components("NT_X86_XSTATE", xstate, true, component_bit(ComponentId::kAvx),
                                    m, view.get(), &f));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].check, "core.note_short");
  EXPECT_NE(f[0].message.find("NT_X86_XSTATE note cannot hold avx"), std::string::npos)
      << f[0].message;
}

}  // namespace
}  // namespace sigctx
