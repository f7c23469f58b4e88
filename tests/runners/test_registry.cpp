// The case registry: ids, descriptions and catalog references are consistent.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "runners/bug_catalog.h"
#include "runners/case_registry.h"
#include "tests/support/machines.h"
#include "xstate/component_registry.h"
#include "xstate/routines/routine.h"

namespace sigctx {
namespace {

TEST(Registry, IdsAreUniqueAndWellFormed) {
  std::set<std::string> ids;
  const std::regex form("^[a-z0-9_]+(/[a-z0-9_.-]+)+$");
  for (const auto& c : all_cases()) {
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate " << c.id;
    EXPECT_TRUE(std::regex_match(c.id, form)) << c.id;
    EXPECT_FALSE(c.description.empty()) << c.id;
    EXPECT_TRUE(c.applicable) << c.id;
    EXPECT_TRUE(c.run) << c.id;
  }
}

TEST(Registry, EveryTransitionCoversEveryComponent) {
  for (const char* t : {"sync", "async", "frame", "edit", "nested", "altstack"})
    for (const ComponentDescriptor* c : all_components())
      EXPECT_NE(find_case(std::string("signal/") + t + "/" + std::string(c->name)), nullptr)
          << t << "/" << c->name;
  EXPECT_NE(find_case("signal/altstack/size"), nullptr);
}

TEST(Registry, EveryRoutineHasEveryInjector) {
  for (const DirtyRoutine* k : all_routines()) {
    for (const char* kind :
         {"step", "step-nested", "step-edit", "step-frame", "hwbp", "int3", "storm"})
      EXPECT_NE(find_case(std::string("signal/") + kind + "/" + std::string(k->name)), nullptr)
          << kind << "/" << k->name;
    // A zeroing kernel's storm goes through the sweep driver; the others loop the kernel.
    EXPECT_NE(find_case("switch/step-yield/" + std::string(k->name)), nullptr) << k->name;
  }
}

TEST(Registry, RoutinesNeedWhatTheyUse) {
  const Machine zen3 = test::zen3();
  EXPECT_EQ(find_case("signal/step/avx512_mix")->applicable(zen3).reason,
            "opmask: CPU lacks AVX512F");
  EXPECT_TRUE(find_case("signal/step/memclr")->applicable(zen3).ok);
  const Machine old = test::nehalem_like();
  EXPECT_EQ(find_case("signal/step/memclr")->applicable(old).reason, "avx: CPU lacks AVX");
  EXPECT_TRUE(find_case("signal/step/sse_mix")->applicable(old).ok);
}

// Found by sigctx vm on Debian's 6.1 under QEMU's Nehalem (and with noxsave): a kernel without
// XSAVE has no NT_X86_XSTATE regset (ENODEV), which every writing ptrace case goes through.
TEST(Registry, PtraceWritesNeedTheXstateRegset) {
  const Machine old = test::nehalem_like();
  ASSERT_EQ(old.xcr0, 0u);
  const std::string why = "the OS has not enabled XSAVE: no NT_X86_XSTATE regset to write";
  EXPECT_TRUE(find_case("ptrace/read/sse")->applicable(old).ok)
      << find_case("ptrace/read/sse")->applicable(old).reason;
  EXPECT_EQ(find_case("ptrace/write/sse")->applicable(old).reason, why);
  EXPECT_EQ(find_case("ptrace/write-init/x87")->applicable(old).reason, why);
  EXPECT_EQ(find_case("ptrace/bad-header/reserved")->applicable(old).reason, why);
  EXPECT_TRUE(find_case("ptrace/write/sse")->applicable(test::zen3()).ok);
}

// Issue 9's rule: a component the OS enabled that sigctx has no code for is named, never
// silently left out of the checks (AMX on Sapphire Rapids, APX next).
TEST(Registry, XcrComponentsWithoutCasesAreNamed) {
  EXPECT_EQ(uncovered_xcr0_components(test::zen3()), 0u);
  EXPECT_EQ(uncovered_xcr0_text(test::zen3()), "");
  EXPECT_EQ(uncovered_xcr0_components(test::skylake_x()), 0u);
  Machine spr = test::sapphire_rapids();
  EXPECT_EQ(uncovered_xcr0_components(spr), 0u) << "AMX has amx_tilecfg and amx_tiledata";
  spr.xcr0 |= 1ull << 19;  // a CPU with APX
  EXPECT_EQ(uncovered_xcr0_text(spr), "apx (XCR0 bit 19)");
  spr.xcr0 |= 1ull << 23;  // and a component nobody has named yet
  EXPECT_EQ(uncovered_xcr0_text(spr), "apx xsave:23 (XCR0 bits 19, 23)");
  // x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM, PKRU, TILECFG, TILEDATA.
  EXPECT_EQ(covered_xsave_mask(), 0x602e7u);
}

// Only the cases that check the unprepared process, and altstack/size (whose handler loads
// nothing and whose too-small trials AMX permission would rule out), skip the executor's
// preparation: every other case may meet tile state in its handlers.
TEST(Registry, OnlyCasesThatNeedTheUnpreparedProcessPrepareThemselves) {
  std::vector<std::string> own;
  for (const auto& c : all_cases())
    if (c.prepares_components_itself) own.push_back(c.id);
  EXPECT_EQ(own, (std::vector<std::string>{"signal/altstack/size", "signal/amx/permission",
                                           "signal/amx/altstack"}));
  const Machine spr = test::sapphire_rapids();
  EXPECT_TRUE(find_case("signal/amx/permission")->applicable(spr).ok);
  EXPECT_EQ(find_case("signal/amx/altstack")->applicable(test::skylake_x()).reason,
            "amx_tiledata: CPU lacks AMX-TILE");
  EXPECT_TRUE(find_case("signal/sync/amx_tiledata")->applicable(spr).ok);
  EXPECT_TRUE(find_case("process/fork/amx_tiledata")->applicable(spr).ok);
}

TEST(Registry, GuardsNameCatalogEntries) {
  unsigned guarded = 0;
  for (const auto& c : all_cases())
    for (const auto& g : c.guards) {
      EXPECT_NE(find_bug(g), nullptr) << c.id << " guards unknown bug " << g;
      ++guarded;
    }
  EXPECT_GT(guarded, 50u);
  EXPECT_NE(find_case("signal/async/opmask"), nullptr);
  const auto& g = find_case("signal/async/opmask")->guards;
  EXPECT_NE(std::find(g.begin(), g.end(), "darwin-opmask"), g.end());
}

TEST(Registry, SkipReasonsNameTheMissingFeature) {
  const Machine zen3 = test::zen3();
  const Availability a = find_case("signal/sync/opmask")->applicable(zen3);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.reason, "opmask: CPU lacks AVX512F");
  EXPECT_TRUE(find_case("signal/sync/avx")->applicable(zen3).ok);
  const Availability f = find_case("signal/frame/fsbase")->applicable(zen3);
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.reason, "the Linux signal frame does not carry FS base");
  const Machine old = test::nehalem_like();
  EXPECT_EQ(find_case("signal/sync/avx")->applicable(old).reason, "avx: CPU lacks AVX");
  EXPECT_TRUE(find_case("signal/sync/sse")->applicable(old).ok);
}

TEST(Registry, SelectionByGlob) {
  std::vector<const CaseDescriptor*> out;
  std::string error;
  // Six transitions and altstack-churn.
  ASSERT_TRUE(select_cases({"signal/*/avx"}, &out, &error));
  EXPECT_EQ(out.size(), 7u);
  ASSERT_TRUE(select_cases({"signal/*zmm*", "signal/sync/sse"}, &out, &error));
  EXPECT_EQ(out.size(), 15u);
  ASSERT_TRUE(select_cases({"context/*/hi16_zmm"}, &out, &error));
  EXPECT_EQ(out.size(), 5u);
  EXPECT_FALSE(select_cases({"signal/sync/avx", "signal/nope"}, &out, &error));
  EXPECT_EQ(error, "--cases 'signal/nope' matches no case (see `sigctx list`)");
  // Every case but the profiles', which run for a fixed time when asked for.
  ASSERT_TRUE(select_cases({}, &out, &error));
  size_t profile_cases = 0;
  for (const auto& c : all_cases())
    profile_cases += !c.profile.empty();
  EXPECT_GE(profile_cases, 1u);
  EXPECT_EQ(out.size(), all_cases().size() - profile_cases);
}

}  // namespace
}  // namespace sigctx
