// xsave_other, the component for XCR0 state sigctx has no code of its own for (issue 9). On
// fixtures: it binds to APX (r16-r31) or to an unnamed component, never to one that does not fit
// or already has code, and frames hold it at CPUID's offset. On this CPU, bound on purpose to a
// component that has dedicated code (zmm_hi256), its XRSTOR/XSAVE routines are checked against
// the dedicated ones and run through real signal cases, with the mutation tests.
#include <gtest/gtest.h>

#include <memory>

#include "engine/handler.h"
#include "engine/hold.h"
#include "tests/support/machines.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"
#include "xstate/components/xsave_other.h"
#include "xstate/diff.h"
#include "xstate/disasm.h"
#include "xstate/xsave_area.h"

extern "C" {
void sigctx_xsave_other_load(sigctx::CpuImage*);
void sigctx_xsave_other_store(sigctx::CpuImage*);
}

namespace sigctx {
namespace {

const ComponentDescriptor& other() {
  return component(ComponentId::kXsaveOther);
}

// Binds for one test and unbinds after, so no other test sees the binding.
struct Bound {
  Bound(const Machine& m, int index) { ok = bind_xsave_other(m, index); }
  ~Bound() { bind_xsave_other(Machine{}, -1); }
  bool ok = false;
};

Machine with_apx() {
  Machine m = test::sapphire_rapids();
  m.xcr0 |= 1ull << 19;
  m.xsave.components[19] = {19, 128, 960, false, false, false};  // APX reuses MPX's space
  return m;
}

TEST(XsaveOther, BindsToApxWithItsRegisterNames) {
  const Machine m = with_apx();
  EXPECT_EQ(xsave_other_candidate(m), 19);
  EXPECT_EQ(uncovered_xcr0_text(m), "apx (XCR0 bit 19)") << "before binding";
  Bound b(m, -2);
  ASSERT_TRUE(b.ok);
  EXPECT_TRUE(other().availability(m).ok) << other().availability(m).reason;
  const auto& f = fields_of(other(), m);
  ASSERT_EQ(f.size(), 16u);
  EXPECT_EQ(f.front().name, "r16");
  EXPECT_EQ(f.back().name, "r31");
  EXPECT_EQ(uncovered_xcr0_components(m), 0u);
  EXPECT_EQ(generic_xcr0_line(m),
            "XCR0 components checked only through XRSTOR and XSAVE (xsave_other): apx (XCR0 "
            "bit 19)\n");
  // In a frame, r20 sits at CPUID's offset for component 19 plus 4 * 8.
  struct alignas(64) Area {
    uint8_t bytes[16384] = {};
  };
  auto buf = std::make_unique<Area>();
  XsaveArea area(buf->bytes, m.xsave.standard_size(m.xcr0), true);
  auto img = std::make_unique<CpuImage>();
  img->clear();
  other().fill(*img, m, {0x44, kRoleEdit, 3}, Shape::kLanes);
  ASSERT_TRUE(area.write(other(), m, *img));
  EXPECT_TRUE((area.xstate_bv() >> 19) & 1);
  uint64_t r20;
  std::memcpy(&r20, buf->bytes + 960 + 4 * 8, 8);
  const auto o = decode_lane(r20);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->component, static_cast<uint8_t>(ComponentId::kXsaveOther));
  EXPECT_EQ(register_name(other(), o->reg), "r20");
}

TEST(XsaveOther, AnUnnamedComponentIsCutIntoByteRangesAndOneThatDoesNotFitStaysUncovered) {
  Machine m = with_apx();
  m.xcr0 = (m.xcr0 & ~(1ull << 19)) | (1ull << 23);
  m.xsave.components[23] = {23, 96, 2752 - 96, false, false, false};
  {
    Bound b(m, -2);
    ASSERT_TRUE(b.ok);
    const auto& f = fields_of(other(), m);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].name, "xsave:23");
    EXPECT_EQ(f[0].bits, "[bytes 0-63]");
    EXPECT_EQ(f[1].bits, "[bytes 64-95]");
  }
  m.xsave.components[23].offset = 11008;  // beyond the image's XSAVE region
  EXPECT_EQ(xsave_other_candidate(m), -1);
  EXPECT_FALSE(bind_xsave_other(m, 23));
  EXPECT_EQ(uncovered_xcr0_text(m), "xsave:23 (XCR0 bit 23)") << "named, never ignored";
  EXPECT_EQ(other().availability(m).reason,
            "every XCR0 user component the OS enabled has code of its own here (none left for "
            "xsave_other)");
  EXPECT_EQ(xsave_other_candidate(test::zen3()), -1) << "everything there has code";
  // Never AVX or below: XRSTOR and XSAVE would move MXCSR through image bytes that are not it.
  EXPECT_FALSE(bind_xsave_other(test::zen3(), 2));
  EXPECT_EQ(other().xsave_index, -1);
}

// The hand-written XRSTOR load against the dedicated VEX/EVEX store, and the reverse: the
// generic routines put and read exactly the bytes the architecture says.
TEST(XsaveOther, XrstorAndXsaveAgreeWithTheDedicatedRoutines) {
  const Machine& m = test::live_machine();
  if (!component(ComponentId::kZmmHi256).availability(m).ok) GTEST_SKIP() << "no AVX-512 here";
  Bound b(m, 6);
  ASSERT_TRUE(b.ok);
  init_signal_runtime(m);
  const ComponentMask both =
      component_bit(ComponentId::kZmmHi256) | component_bit(ComponentId::kXsaveOther);
  for (ComponentId loaded : {ComponentId::kXsaveOther, ComponentId::kZmmHi256}) {
    auto in = std::make_unique<CpuImage>(), out = std::make_unique<CpuImage>();
    in->clear();
    out->clear();
    component(loaded).fill(*in, m, {0x99, kRoleMain, 1}, Shape::kLanes);
    const RoutineList loaders = loaders_for(m, component_bit(loaded));
    const RoutineList stores = stores_for(m, both);
    HoldPlan plan{PLAN_ACTION_NONE, loaders.data(), stores.data(), default_hold_options(m)};
    in->host_fsbase = out->host_fsbase = sigctx_host_fsbase;
    sigctx_hold(in.get(), out.get(), &plan);
    for (unsigned n = 0; n < 16; ++n) {
      const uint8_t* generic = out->xsave_other + (m.xsave.component(6).offset - 512) + 32 * n;
      EXPECT_EQ(std::memcmp(generic, out->zmm[n] + 32, 32), 0) << "zmm" << n;
      const uint8_t* source = loaded == ComponentId::kZmmHi256
                                  ? in->zmm[n] + 32
                                  : in->xsave_other + (m.xsave.component(6).offset - 512) + 32 * n;
      EXPECT_EQ(std::memcmp(source, out->zmm[n] + 32, 32), 0) << "zmm" << n;
    }
  }
}

TEST(XsaveOther, SignalCasesPassAndEveryInjectedFaultIsNamed) {
  const Machine& m = test::live_machine();
  if (!component(ComponentId::kZmmHi256).availability(m).ok) GTEST_SKIP() << "no AVX-512 here";
  Bound b(m, 6);
  ASSERT_TRUE(b.ok);
  for (const char* t : {"sync", "async", "frame", "edit", "nested", "altstack"}) {
    const std::string id = std::string("signal/") + t + "/xsave_other";
    const CaseResult clean = test::run_case(id, "");
    EXPECT_EQ(clean.status, Status::kPass) << id << ": " << clean.reason;
    EXPECT_GT(clean.injections, 0u) << id << " delivered no signal";
    EXPECT_EQ(clean.facts.value("components", ""), "xsave_other") << clean.facts.dump();
    for (const auto& [kind, cls] : {std::pair{"zero", DiffClass::kZeroed},
                                    {"leak", DiffClass::kHandler},
                                    {"bitflip", DiffClass::kBitflip}}) {
      const CaseResult r = test::run_case(id, std::string("xsave_other:zmm_hi256:") + kind);
      ASSERT_EQ(r.status, Status::kFail) << id << " " << kind << ": " << r.reason;
      ASSERT_FALSE(r.diffs.empty()) << id << " " << kind;
      EXPECT_EQ(r.diffs[0].component, ComponentId::kXsaveOther) << id << " " << kind;
      EXPECT_EQ(r.diffs[0].reg, "zmm_hi256") << id << " " << kind;
      EXPECT_EQ(r.diffs[0].bits, "[bytes 0-63]") << id << " " << kind;
      EXPECT_EQ(r.diffs[0].cls, cls) << id << " " << kind << ": " << r.diffs[0].source;
    }
  }
}

// signal/altstack/pkey-denied holds a PKRU that denies key 0, the key of the program's own data,
// while the loaders and stores run; on QEMU -cpu max (xsave_other bound to MPX) the routines read
// their XSAVE mask from a global there and died with SEGV_PKUERR. They read it from the image.
TEST(XsaveOther, TheRoutinesReadNothingButTheImage) {
  for (const auto* fn : {reinterpret_cast<const uint8_t*>(&sigctx_xsave_other_load),
                         reinterpret_cast<const uint8_t*>(&sigctx_xsave_other_store)}) {
    unsigned instructions = 0;
    for (const uint8_t* p = fn; instructions < 64; ++instructions) {
      const Disassembly d = disassemble(p, 0);
      ASSERT_GT(d.length, 0u) << d.text;
      EXPECT_EQ(d.text.find("rip"), std::string::npos) << d.text;
      if (d.text.rfind("ret", 0) == 0) break;
      p += d.length;
    }
    EXPECT_LT(instructions, 64u);
  }
}

}  // namespace
}  // namespace sigctx
