// JUnit XML and TAP: each status maps to the element or directive CI systems read, the XML
// validates against the JUnit structure (tests/data/junit.xsd, checked with xmllint, which must
// also reject a broken document), and the TAP parses with Perl's TAP::Parser with the right
// counts.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "results/junit.h"
#include "results/tap.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

using test::Outcome;

const std::string kXsd = std::string(SIGCTX_SOURCE_DIR) + "/tests/data/junit.xsd";

CaseResult result(const std::string& id, Status s, const std::string& reason) {
  CaseResult r;
  r.id = id;
  r.status = s;
  r.reason = reason;
  r.duration_ms = 12.5;
  r.reproduce = "sigctx run --cases " + id;
  return r;
}

RunResult one_of_each() {
  RunResult r;
  r.version = "0.1.0";
  r.git_revision = "abc";
  r.started_at = "2026-11-28T10:00:00Z";
  r.machine = {{"os", {{"sysname", "Linux"}, {"release", "6.1.0"}}},
               {"cpu", {{"brand", "AMD EPYC"}, {"vendor", "AuthenticAMD"}}},
               {"libc", {{"name", "glibc"}, {"version", "2.36"}}}};
  r.cases = {result("signal/sync/avx", Status::kPass, ""),
             result("signal/sync/sse", Status::kFail, "sse: xmm4 differs <&\"'\x01>"),
             result("signal/sync/pkru", Status::kSkip, "CPU lacks PKU"),
             result("signal/frame/gpr", Status::kXfail, "valgrind # builds no frame"),
             result("alloc/os-zero/mmap", Status::kError, "the case's child died")};
  r.cases[1].reproducer = "sigctx reproduce signal/sync/sse --seed 0x1 -o signal-sync-sse.c";
  for (const CaseResult& c : r.cases)
    r.summary.add(c);
  return r;
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

Outcome xmllint(const std::string& file) {
  return test::spawn_and_wait({"/usr/bin/xmllint", "--noout", "--schema", kXsd, file});
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST(JUnit, EachStatusIsItsElementAndTheDocumentValidates) {
  const std::string xml = run_result_to_junit(one_of_each());
  EXPECT_EQ(count(xml, "<testcase "), 5u);
  EXPECT_EQ(count(xml, "<failure "), 1u);
  EXPECT_EQ(count(xml, "<error "), 1u);
  EXPECT_EQ(count(xml, "<skipped "), 1u);
  EXPECT_EQ(count(xml, "<system-out>XFAIL: valgrind"), 1u);
  EXPECT_NE(xml.find("<testsuites name=\"sigctx\" tests=\"5\" failures=\"1\" errors=\"1\" "
                     "skipped=\"1\""),
            std::string::npos)
      << xml;
  // Two suites: signal/sync holds three cases.
  EXPECT_NE(xml.find("<testsuite name=\"signal/sync\" tests=\"3\" failures=\"1\" errors=\"0\" "
                     "skipped=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("sse: xmm4 differs &lt;&amp;&quot;&apos;\xef\xbf\xbd&gt;"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("program:   sigctx reproduce signal/sync/sse --seed 0x1 -o signal-sync-sse.c"),
            std::string::npos)
      << xml;
  const Outcome v = xmllint(write("junit.xml", xml));
  ASSERT_NE(v.status, -1) << "xmllint is missing: install libxml2-utils";
  EXPECT_EQ(v.status, 0) << v.out << v.err;
}

// The validator itself can fail: a testcase without its name, and a count that is not a number.
TEST(JUnit, TheSchemaRejectsABrokenDocument) {
  std::string xml = run_result_to_junit(one_of_each());
  std::string broken = std::regex_replace(xml, std::regex(" name=\"signal/sync/avx\""), "",
                                          std::regex_constants::format_first_only);
  ASSERT_NE(broken, xml);
  EXPECT_NE(xmllint(write("broken1.xml", broken)).status, 0);
  broken = std::regex_replace(xml, std::regex("tests=\"5\""), "tests=\"five\"");
  EXPECT_NE(xmllint(write("broken2.xml", broken)).status, 0);
}

TEST(Tap, EachStatusIsItsTestPoint) {
  const RunResult r = one_of_each();
  EXPECT_EQ(tap_test_point(r.cases[0], 1), "ok 1 signal/sync/avx\n");
  EXPECT_EQ(tap_test_point(r.cases[1], 2).rfind("not ok 2 signal/sync/sse\n# ", 0), 0u);
  EXPECT_EQ(tap_test_point(r.cases[2], 3), "ok 3 signal/sync/pkru # SKIP CPU lacks PKU\n");
  // A '#' in the reason would start another directive.
  EXPECT_EQ(tap_test_point(r.cases[3], 4),
            "ok 4 signal/frame/gpr # XFAIL valgrind _ builds no frame\n");
  EXPECT_EQ(tap_test_point(r.cases[4], 5).rfind("not ok 5 alloc/os-zero/mmap # error: ", 0), 0u);
}

TEST(Tap, AWholeRunParsesWithTapParser) {
  const RunResult r = one_of_each();
  const std::string path = ::testing::TempDir() + "/run.tap";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    TapReporter tap(f);
    tap.header("sigctx 0.1.0", "machine: test", r.cases.size());
    for (const CaseResult& c : r.cases)
      tap.case_done(c);
    tap.summary(r.summary);
    std::fclose(f);
  }
  // TAP::Parser's own view: the plan, the passed and failed points, the skips, no parse errors.
  const std::string script =
      "use TAP::Parser; local $/; open my $f, '<', $ARGV[0] or die; my $t = <$f>;"
      "my $p = TAP::Parser->new({tap => $t}); while (my $x = $p->next) {}"
      "printf \"plan=%s passed=%d failed=%d skipped=%d errors=%d version=%d\\n\", $p->plan,"
      "scalar($p->passed), scalar($p->failed), scalar($p->skipped), scalar($p->parse_errors),"
      "$p->version;";
  const Outcome o = test::spawn_and_wait({"/usr/bin/perl", "-e", script, path});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "plan=1..5 passed=3 failed=2 skipped=1 errors=0 version=13\n");
}

}  // namespace
}  // namespace sigctx
