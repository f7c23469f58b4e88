// The context cases as their own mutation test: a fault that makes the resume restore one
// register of the context wrongly (as a broken getcontext/setcontext would) must fail the
// matching case, naming that component, register and class, and nothing the platform's
// expectations do not excuse. Faults the context cannot hold are refused by name.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/gtest_name.h"
#include "tests/support/run_case.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::run_case;

struct ContextMutation {
  const char* transition;
  const char* component;
  const char* reg;
  const char* kind;
};

std::vector<ContextMutation> all_mutations() {
  std::vector<ContextMutation> out;
  for (const char* t : {"setcontext", "swapcontext", "thread", "handler-swapcontext"})
    for (auto [comp, reg] :
         {std::pair{"gpr", "r13"}, {"gpr", "rbp"}, {"mxcsr", "mxcsr"}, {"x87", "fcw"}})
      for (const char* kind : {"leak", "bitflip", "zero"}) {
        // FCW bit 6 always reads 1: a zeroed control word comes back as 0x40, class unknown.
        if (std::string(reg) == "fcw" && std::string(kind) == "zero") continue;
        out.push_back({t, comp, reg, kind});
      }
  return out;
}

// The class a fault of this kind shows: a leak carries the value of the code that ran between
// capture and resume, which for a resume on another thread is that thread's.
std::string class_of(const ContextMutation& m) {
  const std::string kind = m.kind;
  if (kind == "bitflip") return "bitflip";
  if (kind == "zero") return "zeroed";
  return std::string(m.transition) == "thread" ? "foreign" : "handler";
}

class ContextMutationTest : public ::testing::TestWithParam<ContextMutation> {};

TEST_P(ContextMutationTest, IsReportedExactly) {
  const ContextMutation& mu = GetParam();
  const std::string id = fmt::format("context/{}/{}", mu.transition, mu.component);
  const std::string fault = fmt::format("{}:{}:{}", mu.component, mu.reg, mu.kind);
  const CaseResult r = run_case(id, fault);
  ASSERT_EQ(r.status, Status::kFail)
      << id << " with --inject-fault " << fault << ": " << status_name(r.status) << " " << r.reason;
  size_t hits = 0;
  for (const RegisterDiff& d : r.diffs) {
    if (d.reg != mu.reg) continue;  // what the libc does not promise, excused below
    ++hits;
    EXPECT_EQ(component(d.component).name, mu.component);
    EXPECT_EQ(diff_class_name(d.cls), class_of(mu)) << d.where;
    if (std::string(mu.transition) == "handler-swapcontext") {
      EXPECT_EQ(d.where, "in the handler across swapcontext");
    }
  }
  EXPECT_GE(hits, 1u);
  // Only the fault is left unexcused.
  EXPECT_EQ(r.expectation.uncovered,
            fmt::format("{} {} class {}", mu.component, mu.reg, class_of(mu)));
  EXPECT_TRUE(r.findings.empty()) << r.findings.front().check;
}

INSTANTIATE_TEST_SUITE_P(Context, ContextMutationTest, ::testing::ValuesIn(all_mutations()),
                         [](const ::testing::TestParamInfo<ContextMutation>& info) {
                           const ContextMutation& m = info.param;
                           return test::gtest_name(fmt::format("{}_{}_{}_{}", m.transition,
                                                               m.component, m.reg, m.kind));
                         });

// Without a fault the same cases pass, or deviate only as the libc's expectations say.
TEST(ContextControl, UnmutatedCasesMeetThePlatformsPromise) {
  for (const char* t : {"setcontext", "swapcontext", "thread", "handler-swapcontext"}) {
    for (const char* v : {"gpr", "mxcsr", "fsbase"}) {
      const std::string id = fmt::format("context/{}/{}", t, v);
      const CaseResult r = run_case(id, "");
      EXPECT_EQ(r.status, Status::kPass) << id << ": " << r.reason;
      EXPECT_EQ(r.injections, 8u) << id;
    }
    const std::string all = fmt::format("context/{}/all", t);
    const CaseResult r = run_case(all, "");
    EXPECT_EQ(r.status, Status::kXfail) << all << ": " << r.reason;
    EXPECT_EQ(r.expectation.outcome, "met") << all;
  }
}

// glibc's setcontext on a handler's ucontext reads MXCSR from where the kernel's ucontext has
// the x87 header: reported as the crash or the wrong MXCSR it is, and excused only as that.
TEST(ContextControl, HandlerSetcontextShowsGlibcsMxcsrLoad) {
  const CaseResult x87 = run_case("context/handler-setcontext/x87", "");
  ASSERT_EQ(x87.status, Status::kXfail) << x87.reason;
  ASSERT_EQ(x87.findings.size(), 1u);
  EXPECT_EQ(x87.findings[0].check, "context.resume_crashed");
  EXPECT_NE(x87.findings[0].message.find("SIGSEGV at setcontext+"), std::string::npos)
      << x87.findings[0].message;
  EXPECT_NE(x87.findings[0].message.find("ldmxcsr"), std::string::npos) << x87.findings[0].message;
  const CaseResult mxcsr = run_case("context/handler-setcontext/mxcsr", "");
  ASSERT_EQ(mxcsr.status, Status::kXfail) << mxcsr.reason;
  ASSERT_FALSE(mxcsr.diffs.empty());
  EXPECT_EQ(mxcsr.diffs[0].reg, "mxcsr");
  const CaseResult gpr = run_case("context/handler-setcontext/gpr", "");
  EXPECT_EQ(gpr.status, Status::kPass) << gpr.reason;
}

TEST(ContextFault, RegistersAContextDoesNotHoldAreRefusedByName) {
  struct Refused {
    const char* id;
    const char* fault;
    const char* why;
  };
  for (const Refused& x : {
           Refused{"context/setcontext/sse", "sse:xmm3", "a ucontext does not hold sse"},
           Refused{"context/setcontext/gpr", "gpr:rax", "only rbx, rbp and r12-r15"},
           Refused{"context/setcontext/x87", "x87:st3", "only the x87 control word"},
           Refused{"context/setcontext/gpr", "mxcsr", "does not check mxcsr"},
       }) {
    const CaseResult r = run_case(x.id, x.fault);
    EXPECT_EQ(r.status, Status::kError) << x.id << " " << x.fault;
    EXPECT_NE(r.reason.find(x.why), std::string::npos) << r.reason;
  }
}

}  // namespace
}  // namespace sigctx
