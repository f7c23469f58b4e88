#include <gtest/gtest.h>

#include <cstring>

#include "tests/support/machines.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

class Classify : public ::testing::Test {
 protected:
  Machine m = test::sapphire_rapids();
  PatternSource main{0x321, kRoleMain, 5};
  PatternSource h1{0x321, kRoleHandler1, 5};
  PatternSource edit{0x321, kRoleEdit, 5};
  ClassifyContext ctx() {
    ClassifyContext c;
    c.machine = &m;
    c.expected = {main, Shape::kLanes};
    c.known = {{main, Shape::kLanes}, {h1, Shape::kLanes}, {edit, Shape::kLanes}};
    return c;
  }
  // Classifies lane `lane` of field `field` of component `id` holding `actual` instead of main's.
  Classification lane64(ComponentId id, const char* field, unsigned lane, uint64_t actual,
                        const ClassifyContext& c) {
    const auto& comp = component(id);
    for (const Field& f : fields_of(comp, m)) {
      if (f.name != field) continue;
      uint64_t expected = encode_lane(c.expected.source, id, f.reg, f.first_lane + lane);
      return classify_lane(comp, f, lane, {reinterpret_cast<uint8_t*>(&expected), 8},
                           {reinterpret_cast<uint8_t*>(&actual), 8}, c);
    }
    ADD_FAILURE() << "no field " << field;
    return {};
  }
  Classification narrow(ComponentId id, uint64_t expected, uint64_t actual,
                        const ClassifyContext& c) {
    const auto& comp = component(id);
    const Field& f = fields_of(comp, m).front();
    return classify_lane(comp, f, 0, {reinterpret_cast<uint8_t*>(&expected), f.size},
                         {reinterpret_cast<uint8_t*>(&actual), f.size}, c);
  }
  uint64_t value_of(ComponentId id, const PatternSource& src, uint16_t offset, size_t size) {
    auto img = std::make_unique<CpuImage>();
    img->clear();
    component(id).fill(*img, m, src, Shape::kLanes);
    uint64_t v = 0;
    std::memcpy(&v, img->bytes() + offset, size);
    return v;
  }
};

TEST_F(Classify, Zeroed) {
  EXPECT_EQ(lane64(ComponentId::kAvx, "ymm3", 0, 0, ctx()).cls, DiffClass::kZeroed);
}

TEST_F(Classify, InitIsTheComponentsNonZeroInitValue) {
  const uint64_t mine = value_of(ComponentId::kMxcsr, main, IMG_MXCSR, 4);
  EXPECT_EQ(narrow(ComponentId::kMxcsr, mine, 0x1f80, ctx()).cls, DiffClass::kInit);
  const uint64_t fcw = value_of(ComponentId::kX87, main, IMG_X87_FCW, 2);
  EXPECT_EQ(narrow(ComponentId::kX87, fcw, 0x37f, ctx()).cls, DiffClass::kInit);
}

TEST_F(Classify, HandlerLeakNamesTheRegister) {
  auto c = lane64(ComponentId::kAvx, "ymm7", 0, encode_lane(h1, ComponentId::kAvx, 7, 2), ctx());
  EXPECT_EQ(c.cls, DiffClass::kHandler);
  EXPECT_NE(c.source.find("ymm7 lane 2 of handler level 1"), std::string::npos) << c.source;
}

TEST_F(Classify, NarrowHandlerValueIsFoundByCandidates) {
  const uint64_t mine = value_of(ComponentId::kPkru, main, IMG_PKRU, 4);
  const uint64_t theirs = value_of(ComponentId::kPkru, h1, IMG_PKRU, 4);
  EXPECT_EQ(narrow(ComponentId::kPkru, mine, theirs, ctx()).cls, DiffClass::kHandler);
}

TEST_F(Classify, ForeignThreadOrRun) {
  const PatternSource thread2{0x321, kRoleThread0 + 2, 5};
  auto c =
      lane64(ComponentId::kSse, "xmm1", 1, encode_lane(thread2, ComponentId::kSse, 1, 1), ctx());
  EXPECT_EQ(c.cls, DiffClass::kForeign);
  EXPECT_NE(c.source.find("thread 2"), std::string::npos) << c.source;
  const PatternSource other_run{0x777, kRoleMain, 5};
  EXPECT_EQ(
      lane64(ComponentId::kSse, "xmm1", 1, encode_lane(other_run, ComponentId::kSse, 1, 1), ctx())
          .cls,
      DiffClass::kForeign);
}

TEST_F(Classify, StaleGenerationAndIgnoredEdit) {
  const PatternSource older{0x321, kRoleMain, 4};
  EXPECT_EQ(
      lane64(ComponentId::kGpr, "rbx", 0, encode_lane(older, ComponentId::kGpr, 3, 0), ctx()).cls,
      DiffClass::kStale);
  ClassifyContext edit_ctx = ctx();
  edit_ctx.expected = {edit, Shape::kLanes};
  auto c =
      lane64(ComponentId::kGpr, "rbx", 0, encode_lane(main, ComponentId::kGpr, 3, 0), edit_ctx);
  EXPECT_EQ(c.cls, DiffClass::kStale);
  EXPECT_NE(c.source.find("frame edit should have replaced"), std::string::npos) << c.source;
}

// Issue 24: a stale value in a ptrace write case is the tracer's lost write, not a frame edit.
TEST_F(Classify, AStaleValueNamesWhoseWriteWasLost) {
  ClassifyContext tracer = ctx();
  tracer.expected = {edit, Shape::kLanes};
  tracer.edit_writer = "the tracer's write";
  tracer.edit_not_taken = "the tracer's write did not take effect";
  auto c = lane64(ComponentId::kGpr, "rbx", 0, encode_lane(main, ComponentId::kGpr, 3, 0), tracer);
  EXPECT_EQ(c.cls, DiffClass::kStale);
  EXPECT_NE(c.source.find("the tracer's write did not take effect"), std::string::npos) << c.source;
  EXPECT_EQ(c.source.find("frame edit"), std::string::npos) << c.source;
  c = lane64(ComponentId::kGpr, "rbx", 0, encode_lane(edit, ComponentId::kGpr, 5, 0), tracer);
  EXPECT_NE(c.source.find("rbp lane 0 of the tracer's write's pattern"), std::string::npos)
      << c.source;
}

// Issue 24: Linux's default PKRU is an init value, not an unknown one.
TEST_F(Classify, LinuxsDefaultPkruIsInit) {
  const uint64_t mine = value_of(ComponentId::kPkru, main, IMG_PKRU, 4);
  const Classification c = narrow(ComponentId::kPkru, mine, 0x55555554, ctx());
  EXPECT_EQ(c.cls, DiffClass::kInit);
  EXPECT_NE(c.source.find("Linux's default PKRU"), std::string::npos) << c.source;
  EXPECT_EQ(narrow(ComponentId::kPkru, mine, 0x55555550, ctx()).cls, DiffClass::kUnknown);
}

// Issue 24: an FS base that fell back to the thread's own TLS pointer says so.
TEST_F(Classify, AnFsBaseBackAtTheThreadsTlsIsStale) {
  ClassifyContext c = ctx();
  c.thread_fsbase = 0x7f0012345640;
  const Field& f = fields_of(component(ComponentId::kFsbase), m).front();
  uint64_t expected = encode_canonical(main, ComponentId::kFsbase, 0), actual = c.thread_fsbase;
  const Classification k = classify_lane(component(ComponentId::kFsbase), f, 0,
                                         {reinterpret_cast<uint8_t*>(&expected), 8},
                                         {reinterpret_cast<uint8_t*>(&actual), 8}, c);
  EXPECT_EQ(k.cls, DiffClass::kStale);
  EXPECT_NE(k.source.find("the thread's own TLS base"), std::string::npos) << k.source;
  c.thread_fsbase = 0;
  EXPECT_EQ(classify_lane(component(ComponentId::kFsbase), f, 0,
                          {reinterpret_cast<uint8_t*>(&expected), 8},
                          {reinterpret_cast<uint8_t*>(&actual), 8}, c)
                .cls,
            DiffClass::kUnknown);
}

TEST_F(Classify, MisplacedRegisterOrLane) {
  EXPECT_EQ(
      lane64(ComponentId::kSse, "xmm4", 0, encode_lane(main, ComponentId::kSse, 5, 0), ctx()).cls,
      DiffClass::kMisplaced);
  EXPECT_EQ(
      lane64(ComponentId::kSse, "xmm4", 0, encode_lane(main, ComponentId::kSse, 4, 1), ctx()).cls,
      DiffClass::kMisplaced);
}

TEST_F(Classify, BitflipNamesTheBits) {
  const uint64_t v = encode_lane(main, ComponentId::kSse, 2, 0);
  auto c = lane64(ComponentId::kSse, "xmm2", 0, v ^ (1ull << 60) ^ (1ull << 3), ctx());
  EXPECT_EQ(c.cls, DiffClass::kBitflip);
  EXPECT_EQ(c.source, "bits 3,60 flipped");
}

TEST_F(Classify, Unknown) {
  EXPECT_EQ(lane64(ComponentId::kSse, "xmm2", 0, 0x0123456789abcdefull, ctx()).cls,
            DiffClass::kUnknown);
}

TEST_F(Classify, RflagsCandidatesCompareOnlyPatternedBits) {
  const uint64_t mine = value_of(ComponentId::kRflags, main, IMG_RFLAGS, 8);
  const uint64_t theirs = value_of(ComponentId::kRflags, h1, IMG_RFLAGS, 8);
  // The handler's flags with ID set: still the handler's pattern.
  EXPECT_EQ(narrow(ComponentId::kRflags, mine, theirs | (1 << 21), ctx()).cls, DiffClass::kHandler);
}

TEST(DiffClassNames, RoundTrip) {
  for (int i = 0; i <= static_cast<int>(DiffClass::kUnknown); ++i) {
    DiffClass back;
    ASSERT_TRUE(parse_diff_class(diff_class_name(static_cast<DiffClass>(i)), &back));
    EXPECT_EQ(static_cast<int>(back), i);
  }
  DiffClass unused;
  EXPECT_FALSE(parse_diff_class("sideways", &unused));
}

}  // namespace
}  // namespace sigctx
