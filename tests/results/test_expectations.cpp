// Expectation files: every mistake is reported with file, line and member; platforms match by
// OS, libc, kernel range, CPU vendor and features, and environment; and an xfail entry excuses
// exactly the failure it describes, never a different one.
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include "results/expectations.h"
#include "tests/support/spawn.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

// One file with the given entries (a JSON array's members, one per line from line 5 on).
std::string file_with(const std::string& entries, const std::string& platform = "") {
  return "{\n"
         "  \"schema\": \"sigctx-expectations/1\",\n"
         "  \"description\": \"a test file\",\n" +
         (platform.empty() ? "" : "  \"platform\": " + platform + ",\n") + "  \"entries\": [\n" +
         entries + "\n  ]\n}\n";
}

ExpectationSet parse_ok(const std::string& text) {
  ExpectationSet set;
  std::string error;
  EXPECT_TRUE(parse_expectations(text, "t.json", &set, &error)) << error;
  return set;
}

TEST(ExpectationFile, ShippedFilesParseAndValidateAgainstTheSchema) {
  ExpectationSet set;
  std::string error;
  ASSERT_TRUE(load_builtin_expectations(&set, &error)) << error;
  EXPECT_GE(set.files.size(), 3u);
  for (const BuiltinExpectationFile& f : builtin_expectation_files()) {
    const std::string path = std::string(SIGCTX_SOURCE_DIR) + "/results/expectations/" + f.name;
    EXPECT_EQ(test::read_file(path), f.text) << path << " changed since the build";
    const test::Outcome v = test::spawn_and_wait(
        {"/usr/bin/python3", "-m", "jsonschema", "-i", path,
         std::string(SIGCTX_SOURCE_DIR) + "/results/sigctx-expectations-1.schema.json"});
    EXPECT_EQ(v.status, 0) << path << ":\n" << v.out << v.err;
  }
  for (const ExpectationEntry& e : set.entries) {
    EXPECT_FALSE(e.reason.empty()) << e.source;
    if (e.expect != Expect::kPass) {
      EXPECT_FALSE(e.reference.empty()) << e.source;
    }
  }
}

// A group stands for the components the registry puts in it, so expectation files need not list
// them and a new component joins the entries that name its group.
TEST(ExpectationFile, GroupsStandForTheirRegisteredMembers) {
  const std::string text = file_with(
      "    {\"cases\": \"a\", \"expect\": \"xfail\", \"reason\": \"r\", \"reference\": "
      "\"x\",\n     \"when\": {\"components\": [\"gpr\", \"xsave-extended\"]}}");
  ExpectationSet set;
  std::string error;
  ASSERT_TRUE(parse_expectations(text, "t.json", &set, &error)) << error;
  ASSERT_EQ(set.entries.size(), 1u);
  std::vector<std::string> want = {"gpr"};
  for (const ComponentDescriptor* c : component_group("xsave-extended"))
    want.emplace_back(c->name);
  EXPECT_EQ(set.entries[0].when.components, want);
  // The group is XSAVE's extended area: AVX and up, never the legacy area or the GPRs.
  EXPECT_NE(std::find(want.begin(), want.end(), "avx"), want.end());
  EXPECT_NE(std::find(want.begin(), want.end(), "xsave_other"), want.end());
  EXPECT_EQ(std::find(want.begin(), want.end(), "sse"), want.end());
  EXPECT_EQ(std::count(want.begin(), want.end(), "gpr"), 1);
}

TEST(ExpectationFile, MistakesNameFileLineAndMember) {
  const std::string ok_entry =
      "    {\"cases\": \"signal/*\", \"expect\": \"xfail\", \"reason\": \"r\", "
      "\"reference\": \"ref\"}";
  struct Bad {
    std::string text;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {"{\n  \"schema\": \"sigctx-expectations/1\",\n  \"entries\": [,]\n}\n",
       "t.json:3:15: not valid JSON"},
      {file_with(ok_entry + ",\n    {\"cass\": \"x\"}"), "t.json:6: unknown member \"cass\""},
      {file_with("    {\"cases\": \"a\", \"expect\": \"xfial\", \"reason\": \"r\"}"),
       "t.json:5: \"expect\" is \"xfial\"; it must be pass, fail or xfail"},
      {file_with("    {\"cases\": \"a\", \"expect\": \"xfail\", \"reason\": \"r\"}"),
       "t.json:5: an \"xfail\" entry needs a \"reference\""},
      {file_with("    {\"expect\": \"pass\", \"reason\": \"r\"}"),
       "t.json:5: missing member \"cases\""},
      {file_with("    {\"cases\": [], \"expect\": \"pass\", \"reason\": \"r\"}"),
       "\"cases\" must be a string or a non-empty array of strings"},
      {file_with("    {\"cases\": \"a\", \"expect\": \"xfail\", \"reason\": \"r\",\n"
                 "     \"reference\": \"x\",\n"
                 "     \"when\": {\"components\": [\"ymm\"]}}"),
       "t.json:7: unknown component \"ymm\" (known: gpr, "},
      {file_with("    {\"cases\": \"a\", \"expect\": \"xfail\", \"reason\": \"r\",\n"
                 "     \"reference\": \"x\",\n"
                 "     \"when\": {\"components\": [\"xsave-legacy\"]}}"),
       "groups: xsave-extended)"},
      {file_with("    {\"cases\": \"a\", \"expect\": \"xfail\", \"reason\": \"r\", \"reference\": "
                 "\"x\",\n     \"when\": {\"classes\": \"leaked\"}}"),
       "t.json:6: unknown class \"leaked\""},
      {file_with("    {\"cases\": \"a\", \"expect\": \"xfail\", \"reason\": \"r\", \"reference\": "
                 "\"x\", \"when\": {\"status\": \"skip\"}}"),
       "\"skip\": only fail and error can be expected deviations"},
      {file_with("    {\"cases\": \"a\", \"expect\": \"xfail\", \"reason\": \"r\", \"reference\": "
                 "\"x\", \"when\": {}}"),
       "\"when\" must name components, classes, findings or a reason"},
      {file_with("    {\"cases\": \"a\", \"expect\": \"pass\", \"reason\": \"r\", \"when\": "
                 "{\"classes\": \"stale\"}}"),
       "only xfail entries have it"},
      {file_with("", "{\"kernel\": \"5.2\"}"), "t.json:4: '5.2' is not a version bound"},
      {file_with("", "{\"kernel\": \">=5.2 <5.x\"}"), "'<5.x' is not a version bound"},
      // A part too large for its counter once wrapped to a small bound (issue 22, part 3).
      {file_with("", "{\"kernel\": \">=99999999999999999999.1\"}"),
       "'>=99999999999999999999.1' is not a version bound"},
      {file_with("", "{\"environment\": \"docker\"}"), "unknown environment \"docker\""},
      {file_with("", "{\"cpu_has\": [\"avx3\"]}"), "unknown CPU feature \"avx3\""},
      {file_with("", "{\"os\": 7}"), "\"os\" must be a non-empty string"},
      {"{\"schema\": \"sigctx-expectations/9\", \"description\": \"d\", \"entries\": []}",
       "t.json:1: schema is \"sigctx-expectations/9\""},
      {"{\"schema\": \"sigctx-expectations/1\", \"description\": \"d\"}",
       "\"entries\" must be an array"},
      {"[]", "t.json:1: expected a JSON object"},
  };
  for (const Bad& b : bad) {
    ExpectationSet set;
    std::string error;
    EXPECT_FALSE(parse_expectations(b.text, "t.json", &set, &error)) << b.text;
    EXPECT_NE(error.find(b.message), std::string::npos)
        << "wanted: " << b.message << "\ngot: " << error << "\nin:\n"
        << b.text;
    EXPECT_TRUE(set.entries.empty()) << "a bad file adds nothing";
  }
}

nlohmann::json machine_json(const std::string& release, const std::string& env = "native",
                            bool avx = true) {
  return {{"os", {{"sysname", "Linux"}, {"release", release}}},
          {"libc", {{"name", "glibc"}, {"version", "2.36"}}},
          {"cpu", {{"vendor", "AuthenticAMD"}, {"features", {{"avx", avx}, {"xsave", true}}}}},
          {"environment", {{"valgrind", env == "valgrind"}, {"qemu_user", env == "qemu-user"}}}};
}

TEST(ExpectationPlatform, FactsComeFromTheFingerprint) {
  const PlatformFacts p = platform_facts(machine_json("6.18.44-fc-v669", "qemu-user"));
  EXPECT_EQ(p.os, "Linux");
  EXPECT_EQ(p.libc, "glibc");
  EXPECT_EQ(p.cpu_vendor, "AuthenticAMD");
  EXPECT_EQ(p.environment, "qemu-user");
  EXPECT_EQ(p.kernel, (std::vector<unsigned>{6, 18, 44}));
  EXPECT_EQ(platform_facts(machine_json("5.4", "valgrind")).environment, "valgrind");
  EXPECT_EQ(platform_facts(machine_json("5.4")).environment, "native");
}

TEST(ExpectationPlatform, KernelRangesAndFeaturesMatchExactly) {
  const ExpectationSet set = parse_ok(file_with(
      "    {\"cases\": \"a\", \"expect\": \"fail\", \"reason\": \"r\", \"reference\": \"x\"}",
      "{\"os\": \"Linux\", \"kernel\": \">=5.2 <5.4.2\", \"cpu_has\": \"avx\"}"));
  ASSERT_EQ(set.entries.size(), 1u);
  const PlatformMatch& m = set.entries[0].platform;
  for (const char* yes : {"5.2", "5.2.0-rc1", "5.3.18-default", "5.4.1"})
    EXPECT_TRUE(m.matches(platform_facts(machine_json(yes)))) << yes;
  for (const char* no : {"5.1.21", "5.4.2", "5.10", "6.0", "4.19.300", "unknown"})
    EXPECT_FALSE(m.matches(platform_facts(machine_json(no)))) << no;
  EXPECT_FALSE(m.matches(platform_facts(machine_json("5.3", "native", false)))) << "lacks avx";
}

// A failing result with one diff of the given component and class, and optional finding.
CaseResult failing(const char* comp, DiffClass cls, const std::string& finding = "") {
  CaseResult r;
  r.id = "signal/frame/avx";
  r.status = Status::kFail;
  r.reason = "the failure";
  if (comp) {
    RegisterDiff d;
    d.component = find_component(comp)->id;
    d.reg = "ymm3";
    d.bits = "[255:128]";
    d.cls = cls;
    r.diffs.push_back(d);
  }
  if (!finding.empty()) r.findings.push_back({finding, "m", "e", "a"});
  return r;
}

const PlatformFacts kLinux = platform_facts(machine_json("6.18"));

TEST(ExpectationApply, AnXfailExcusesExactlyItsDeviation) {
  const ExpectationSet set = parse_ok(
      file_with("    {\"cases\": \"signal/frame/*\", \"expect\": \"xfail\", \"reason\": \"the "
                "why\", \"reference\": \"bug 1\", \"when\": {\"components\": \"avx\", "
                "\"classes\": \"handler\"}}"));
  CaseResult met = failing("avx", DiffClass::kHandler);
  apply_expectations(set, kLinux, met);
  EXPECT_EQ(met.status, Status::kXfail);
  EXPECT_EQ(met.reason, "the why");
  EXPECT_EQ(met.expectation.outcome, "met");
  EXPECT_EQ(met.expectation.failure, "the failure");
  EXPECT_EQ(met.expectation.reference, "bug 1");
  EXPECT_EQ(met.expectation.sources, std::vector<std::string>{"t.json:5"});
  EXPECT_EQ(met.diffs.size(), 1u) << "the deviation stays visible";

  // The same component with another class, another component, or an extra finding: a
  // different fault, which the entry must not hide.
  for (CaseResult other : {failing("avx", DiffClass::kZeroed), failing("sse", DiffClass::kHandler),
                           failing("avx", DiffClass::kHandler, "frame.magic1")}) {
    apply_expectations(set, kLinux, other);
    EXPECT_EQ(other.status, Status::kFail);
    EXPECT_EQ(other.reason, "the failure");
    EXPECT_EQ(other.expectation.outcome, "not-covered");
    EXPECT_FALSE(other.expectation.uncovered.empty());
  }
  CaseResult zeroed = failing("avx", DiffClass::kZeroed);
  apply_expectations(set, kLinux, zeroed);
  EXPECT_EQ(zeroed.expectation.uncovered, "avx ymm3[255:128] class zeroed");

  // Another case, or another platform: the entry does not apply at all.
  CaseResult elsewhere = failing("avx", DiffClass::kHandler);
  elsewhere.id = "signal/sync/avx";
  apply_expectations(set, kLinux, elsewhere);
  EXPECT_EQ(elsewhere.status, Status::kFail);
  EXPECT_FALSE(elsewhere.expectation.applied());
}

TEST(ExpectationApply, SeveralEntriesTogetherExplainOneFailure) {
  const ExpectationSet set = parse_ok(file_with(
      "    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"A\", \"reference\": \"a\", "
      "\"when\": {\"components\": \"avx\"}},\n"
      "    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"B\", \"reference\": \"b\", "
      "\"when\": {\"findings\": \"frame.mag*\"}},\n"
      "    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"C\", \"reference\": \"c\", "
      "\"when\": {\"findings\": \"never\"}}"));
  CaseResult r = failing("avx", DiffClass::kStale, "frame.magic1");
  apply_expectations(set, kLinux, r);
  EXPECT_EQ(r.status, Status::kXfail);
  EXPECT_EQ(r.reason, "A; B");
  EXPECT_EQ(r.expectation.sources, (std::vector<std::string>{"t.json:5", "t.json:6"}));
  CaseResult partly = failing("avx", DiffClass::kStale, "frame.xfeatures");
  apply_expectations(set, kLinux, partly);
  EXPECT_EQ(partly.status, Status::kFail);
  EXPECT_EQ(partly.expectation.uncovered, "finding frame.xfeatures");
}

TEST(ExpectationApply, RegisterAndWhereGlobsNarrowAComponent) {
  // glibc's setcontext restores the x87 control word but not the stack: an entry for x87 minus
  // fcw must excuse st3 and never fcw.
  const ExpectationSet set =
      parse_ok(file_with("    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"x87 stack\", "
                         "\"reference\": \"r\", \"when\": {\"components\": \"x87\", \"registers\": "
                         "[\"st*\", \"fsw\", \"ftw\"]}}"));
  CaseResult st = failing("x87", DiffClass::kHandler);
  st.diffs[0].reg = "st3";
  apply_expectations(set, kLinux, st);
  EXPECT_EQ(st.status, Status::kXfail);
  CaseResult fcw = failing("x87", DiffClass::kHandler);
  fcw.diffs[0].reg = "fcw";
  apply_expectations(set, kLinux, fcw);
  EXPECT_EQ(fcw.status, Status::kFail);
  EXPECT_EQ(fcw.expectation.outcome, "not-covered");

  // `where` keeps a libc's excuse away from what the kernel restores in the same case.
  const ExpectationSet by_where =
      parse_ok(file_with("    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"libc\", "
                         "\"reference\": \"r\", \"when\": {\"components\": \"avx\", \"where\": "
                         "\"in the handler across *\"}}"));
  CaseResult across = failing("avx", DiffClass::kHandler);
  across.diffs[0].where = "in the handler across swapcontext";
  apply_expectations(by_where, kLinux, across);
  EXPECT_EQ(across.status, Status::kXfail);
  CaseResult after = failing("avx", DiffClass::kHandler);
  after.diffs[0].where = "after sigreturn";
  apply_expectations(by_where, kLinux, after);
  EXPECT_EQ(after.status, Status::kFail);

  ExpectationSet bad;
  std::string error;
  EXPECT_FALSE(parse_expectations(
      file_with("    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"r\", "
                "\"reference\": \"r\", \"when\": {\"registers\": \"st*\"}}"),
      "t.json", &bad, &error));
  EXPECT_NE(error.find("t.json:5: \"registers\" narrows \"components\""), std::string::npos)
      << error;
}

TEST(ExpectationApply, ErrorsAreExcusedOnlyWhenTheEntrySaysSo) {
  auto entry = [](const std::string& extra) {
    return "    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"no TF\", "
           "\"reference\": \"r\", \"when\": {\"reason\": \"stepping * saw 0 boundaries\"" +
           extra + "}}";
  };
  CaseResult error;
  error.id = "signal/step/memclr";
  error.status = Status::kError;
  error.reason = "stepping memclr saw 0 boundaries";

  CaseResult as_fail_only = error;
  apply_expectations(parse_ok(file_with(entry(""))), kLinux, as_fail_only);
  EXPECT_EQ(as_fail_only.status, Status::kError) << "the entry tolerates failures only";
  EXPECT_EQ(as_fail_only.expectation.outcome, "not-covered");

  const ExpectationSet set = parse_ok(file_with(entry(", \"status\": \"error\"")));
  CaseResult tolerated = error;
  apply_expectations(set, kLinux, tolerated);
  EXPECT_EQ(tolerated.status, Status::kXfail);
  EXPECT_EQ(tolerated.expectation.failure, "stepping memclr saw 0 boundaries");
  CaseResult other = error;
  other.reason = "killed by SIGSEGV";
  apply_expectations(set, kLinux, other);
  EXPECT_EQ(other.status, Status::kError);
}

TEST(ExpectationApply, PassesKnownFailuresAndOverrides) {
  const ExpectationSet set = parse_ok(file_with(
      "    {\"cases\": \"signal/*\", \"expect\": \"xfail\", \"reason\": \"dev\", \"reference\": "
      "\"r\"},\n"
      "    {\"cases\": \"signal/frame/*\", \"expect\": \"pass\", \"reason\": \"promised\"},\n"
      "    {\"cases\": \"signal/edit/*\", \"expect\": \"fail\", \"reason\": \"known bug\", "
      "\"reference\": \"kbug\"}"));
  // signal/frame/*: the later pass entry takes back the xfail.
  CaseResult frame = failing("avx", DiffClass::kHandler);
  apply_expectations(set, kLinux, frame);
  EXPECT_EQ(frame.status, Status::kFail);
  EXPECT_FALSE(frame.expectation.applied());
  // An xfail entry without `when` excuses any failure of its cases.
  CaseResult sync = failing("sse", DiffClass::kForeign);
  sync.id = "signal/sync/sse";
  apply_expectations(set, kLinux, sync);
  EXPECT_EQ(sync.status, Status::kXfail);
  // ... and a pass under it is reported as an unexpected pass, still a pass.
  CaseResult passed;
  passed.id = "signal/sync/sse";
  apply_expectations(set, kLinux, passed);
  EXPECT_EQ(passed.status, Status::kPass);
  EXPECT_EQ(passed.expectation.outcome, "unexpected-pass");
  // A known failure stays a failure, with its reference attached.
  CaseResult edit = failing("sse", DiffClass::kStale);
  edit.id = "signal/edit/sse";
  apply_expectations(set, kLinux, edit);
  EXPECT_EQ(edit.status, Status::kFail);
  EXPECT_EQ(edit.expectation.outcome, "known-failure");
  EXPECT_EQ(edit.expectation.reference, "kbug");
  // A skip is never judged.
  CaseResult skip;
  skip.id = "signal/sync/sse";
  skip.status = Status::kSkip;
  apply_expectations(set, kLinux, skip);
  EXPECT_EQ(skip.status, Status::kSkip);
  EXPECT_FALSE(skip.expectation.applied());
}

TEST(ExpectationApply, LaterFilesOverrideEarlierOnes) {
  ExpectationSet set;
  std::string error;
  ASSERT_TRUE(parse_expectations(
      file_with("    {\"cases\": \"*\", \"expect\": \"xfail\", \"reason\": \"r\", "
                "\"reference\": \"x\"}"),
      "first.json", &set, &error));
  ASSERT_TRUE(parse_expectations(
      file_with("    {\"cases\": \"signal/frame/avx\", \"expect\": \"pass\", \"reason\": \"p\"}"),
      "second.json", &set, &error));
  EXPECT_EQ(set.files, (std::vector<std::string>{"first.json", "second.json"}));
  CaseResult r = failing("avx", DiffClass::kHandler);
  apply_expectations(set, kLinux, r);
  EXPECT_EQ(r.status, Status::kFail);
}

}  // namespace
}  // namespace sigctx
