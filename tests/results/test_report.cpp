// The matrix report: the data (one cell per case and machine, "none" where a file lacks the case,
// the worst iteration of a repeated case), the HTML checked in a real headless Chromium (the
// script builds the table: every case and machine must be in the DOM, a failure's details open
// from the URL fragment as from a click, a screenshot renders) and the Markdown.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "results/report.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

using test::Outcome;

CaseResult result(const std::string& id, Status s, const std::string& reason = "") {
  CaseResult r;
  r.id = id;
  r.status = s;
  r.reason = reason;
  r.reproduce = "sigctx run --cases " + id + " --seed 0x6a09e667";
  return r;
}

std::vector<ReportColumn> two_machines() {
  ReportColumn a, b;
  a.name = "linux-6.1-intel";
  a.run.version = b.run.version = "0.1.0";
  a.run.machine = {{"os", {{"sysname", "Linux"}, {"release", "6.1.0"}}},
                   {"cpu", {{"brand", "Xeon"}, {"vendor", "GenuineIntel"}}}};
  b.name = "linux-6.12-amd";
  b.run.machine = {{"os", {{"sysname", "Linux"}, {"release", "6.12.9"}}},
                   {"cpu", {{"brand", "EPYC"}, {"vendor", "AuthenticAMD"}}}};
  a.run.cases = {result("signal/sync/avx", Status::kPass),
                 result("signal/sync/pkru", Status::kSkip, "CPU lacks PKU"),
                 result("alloc/os-zero/mmap", Status::kPass)};
  b.run.cases = {result("signal/sync/avx", Status::kFail, "avx: ymm3 [255:128] differ </script>"),
                 result("signal/sync/pkru", Status::kPass),
                 result("signal/altstack-churn/avx", Status::kXfail, "excused"),
                 result("signal/sync/pkru", Status::kError, "iteration 2 died")};
  b.run.cases[0].reproducer = "sigctx reproduce signal/sync/avx --seed 0x6a09e667 -o x.c";
  // As read_result_file leaves them: the summary counted from the cases.
  for (ReportColumn* c : {&a, &b})
    for (const CaseResult& r : c->run.cases)
      c->run.summary.add(r);
  return {a, b};
}

TEST(ReportData, OneCellPerCaseAndMachine) {
  const nlohmann::json d = report_data(two_machines());
  ASSERT_EQ(d["machines"].size(), 2u);
  ASSERT_EQ(d["cases"].size(), 4u);
  EXPECT_EQ(d["cases"][0]["id"], "signal/sync/avx");
  EXPECT_EQ(d["cases"][0]["cells"][1]["status"], "fail");
  EXPECT_NE(d["cases"][0]["cells"][1]["detail"].get<std::string>().find("reproduce: sigctx run"),
            std::string::npos);
  EXPECT_NE(d["cases"][0]["cells"][1]["detail"].get<std::string>().find(
                "program:   sigctx reproduce signal/sync/avx"),
            std::string::npos);
  EXPECT_EQ(d["cases"][1]["cells"][1]["status"], "error");  // the worst iteration
  EXPECT_EQ(d["cases"][3]["id"], "signal/altstack-churn/avx");
  EXPECT_EQ(d["cases"][3]["cells"][0]["status"], "none");  // not in the first file
  EXPECT_EQ(d["machines"][1]["counts"], "1 pass, 1 fail, 1 error, 1 xfail, 0 skip");
}

// A sigctx vm column: its emulator in the summary, and the report says what TCG and bochs
// cannot test (no XSAVEC/XSAVES), in both formats; without one, it says nothing of it.
TEST(ReportData, EmulatedColumnsCarryTheStandardFormatNote) {
  EXPECT_TRUE(report_data(two_machines())["notes"].empty());
  std::vector<ReportColumn> columns = two_machines();
  columns[1].run.machine["vm"] = {{"emulator", "qemu-system-x86_64"},
                                  {"cpu_model", "Haswell"},
                                  {"accel", "tcg"},
                                  {"append", "noxsave"}};
  const nlohmann::json d = report_data(columns);
  ASSERT_EQ(d["notes"].size(), 1u);
  const std::string note = d["notes"][0];
  EXPECT_NE(note.find("1 of the 2 columns ran in an emulated machine"), std::string::npos) << note;
  EXPECT_NE(note.find("only the standard XSAVE format"), std::string::npos) << note;
  EXPECT_NE(d["machines"][1]["summary"].get<std::string>().find(
                "qemu-system-x86_64 -cpu Haswell (tcg), kernel options: noxsave"),
            std::string::npos)
      << d["machines"][1]["summary"];
  EXPECT_NE(report_html(columns).find("<p class=\"note vm\">1 of the 2 columns"),
            std::string::npos);
  EXPECT_NE(report_markdown(columns).find("> 1 of the 2 columns ran in an emulated machine"),
            std::string::npos);
}

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium-headless-shell", "/usr/bin/chromium"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

TEST(ReportHtml, ChromiumBuildsEveryCaseAndMachineAndOpensAFailure) {
  const std::string html = report_html(two_machines());
  // Self-contained: nothing to load.
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  // The reason's "</script>" cannot end the data element.
  EXPECT_EQ(html.find("differ </script>"), std::string::npos);
  const std::string dir = ::testing::TempDir() + "/report";
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/matrix.html";
  std::ofstream(file) << html;

  const std::string browser = chromium();
  ASSERT_FALSE(browser.empty()) << "no headless Chromium: install chromium-headless-shell";
  const std::string url = "file://" + file + "#case=signal/sync/avx&machine=1";
  const Outcome dom = test::spawn_and_wait(
      {browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url});
  ASSERT_EQ(dom.status, 0) << dom.err;
  const std::string& d = dom.out;
  // The script ran: it replaces the status line and builds the rows.
  EXPECT_NE(d.find("4 cases on 2 machines"), std::string::npos) << d.substr(0, 2000);
  for (const char* id :
       {"signal/sync/avx", "signal/sync/pkru", "alloc/os-zero/mmap", "signal/altstack-churn/avx"})
    EXPECT_NE(d.find(std::string("data-case=\"") + id + "\""), std::string::npos) << id;
  for (const char* m : {"linux-6.1-intel", "linux-6.12-amd"})
    EXPECT_NE(d.find(std::string("<b>") + m + "</b>"), std::string::npos) << m;
  EXPECT_NE(d.find("data-machine=\"0\""), std::string::npos);
  EXPECT_NE(d.find("data-machine=\"1\""), std::string::npos);
  EXPECT_NE(d.find("class=\"cell fail\""), std::string::npos);
  EXPECT_NE(d.find("class=\"cell none\""), std::string::npos);
  // The fragment opened the failure's details, diff and reproduce line.
  EXPECT_NE(d.find("<tr class=\"detail\" data-machine=\"1\">"), std::string::npos);
  EXPECT_NE(d.find("signal/sync/avx on linux-6.12-amd: FAIL"), std::string::npos);
  EXPECT_NE(d.find("reproduce: sigctx run --cases signal/sync/avx --seed 0x6a09e667"),
            std::string::npos);

  const std::string png = dir + "/matrix.png";
  const Outcome shot =
      test::spawn_and_wait({browser, "--headless", "--no-sandbox", "--disable-gpu",
                            "--window-size=1200,800", "--screenshot=" + png, "file://" + file});
  ASSERT_EQ(shot.status, 0) << shot.err;
  std::ifstream in(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 8000u);  // a rendered table, not a blank page
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

TEST(ReportMarkdown, TableAndFailures) {
  const std::string md = report_markdown(two_machines());
  EXPECT_NE(md.find("# sigctx matrix: 4 cases on 2 machines"), std::string::npos);
  EXPECT_NE(md.find("| `signal/sync/avx` | pass | **fail** |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `signal/altstack-churn/avx` | - | xfail |"), std::string::npos) << md;
  EXPECT_NE(md.find("### `signal/sync/avx` on machine 2 `linux-6.12-amd` (fail)"),
            std::string::npos)
      << md;
}

}  // namespace
}  // namespace sigctx
