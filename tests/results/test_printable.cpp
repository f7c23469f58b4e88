// Issue 22, part 8: an escape sequence in a hostile result file must reach neither the terminal
// nor the Markdown report.
#include <gtest/gtest.h>

#include "results/printable.h"
#include "results/report.h"

namespace sigctx {
namespace {

TEST(Printable, ControlCharactersBecomeEscapes) {
  EXPECT_EQ(printable("signal/\x1b[31mred\x1b[0m"), "signal/\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(printable("a\rb\x7f\x07"), "a\\x0db\\x7f\\x07");
  EXPECT_EQ(printable("csi \xc2\x9b"
                      "2J"),
            "csi \\u009b2J");  // C1 CSI as UTF-8
  EXPECT_EQ(printable("line 1\n\tline 2 \xc3\xa9"), "line 1\n\tline 2 \xc3\xa9");  // kept
}

TEST(Printable, TheMarkdownReportCarriesNoEscapeSequence) {
  ReportColumn c;
  c.name = "hostile";
  CaseResult r;
  r.id = "signal/sync/\x1b]0;owned\x07";
  r.status = Status::kFail;
  r.reason = "\x1b[2J cleared";
  c.run.cases.push_back(r);
  c.run.summary.add(r);
  const std::string md = report_markdown({c});
  EXPECT_EQ(md.find('\x1b'), std::string::npos) << md;
  EXPECT_EQ(md.find('\x07'), std::string::npos) << md;
  EXPECT_NE(md.find("signal/sync/\\x1b]0;owned\\x07"), std::string::npos) << md;
}

}  // namespace
}  // namespace sigctx
