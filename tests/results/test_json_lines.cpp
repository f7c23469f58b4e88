// Line tracking of the JSON reader: errors in hand-written files must name the line to fix.
#include <gtest/gtest.h>

#include "results/json_lines.h"

namespace sigctx {
namespace {

TEST(JsonLines, EveryValueHasItsLine) {
  const std::string text =
      "{\n"
      "  \"a\": 1,\n"
      "  \"list\": [\n"
      "    {\"x\": true},\n"
      "    {\n"
      "      \"y/z\": \"s\"\n"
      "    }\n"
      "  ]\n"
      "}\n";
  JsonDocument doc;
  std::string error;
  ASSERT_TRUE(parse_json_document(text, "f.json", &doc, &error)) << error;
  EXPECT_EQ(doc.value["list"][1]["y/z"], "s");
  EXPECT_EQ(doc.line_of(""), 1);
  EXPECT_EQ(doc.line_of("/a"), 2);
  EXPECT_EQ(doc.line_of("/list"), 3);
  EXPECT_EQ(doc.line_of("/list/0"), 4);
  EXPECT_EQ(doc.line_of("/list/0/x"), 4);
  EXPECT_EQ(doc.line_of("/list/1"), 5);
  EXPECT_EQ(doc.line_of("/list/1/y~1z"), 6);
  // A member that is not there is reported at its nearest ancestor.
  EXPECT_EQ(doc.line_of("/list/1/missing"), 5);
  EXPECT_EQ(doc.error_at("/list/0/x", "bad"), "f.json:4: bad");
}

TEST(JsonLines, SyntaxErrorsNameLineAndColumn) {
  JsonDocument doc;
  std::string error;
  EXPECT_FALSE(parse_json_document("{\n  \"a\": 1,\n  \"b\": ]\n}\n", "bad.json", &doc, &error));
  EXPECT_EQ(error.rfind("bad.json:3:8: not valid JSON", 0), 0u) << error;
  EXPECT_FALSE(parse_json_document("{\"a\": 1", "short.json", &doc, &error));
  EXPECT_EQ(error.rfind("short.json:1:", 0), 0u) << error;
  EXPECT_FALSE(parse_json_document("", "empty.json", &doc, &error));
  EXPECT_EQ(error.rfind("empty.json:1:", 0), 0u) << error;
}

// Found by tests/fuzz: a number too large for a double threw out of the parser (out_of_range,
// not parse_error) and ended sigctx compare, report and --expect with std::terminate.
TEST(JsonLines, NumberOutOfRangeIsAnErrorWithItsLine) {
  JsonDocument doc;
  std::string error;
  EXPECT_FALSE(
      parse_json_document("{\n  \"a\": 1,\n  \"b\": 2e22000\n}\n", "huge.json", &doc, &error));
  EXPECT_EQ(error.rfind("huge.json:3:", 0), 0u) << error;
  EXPECT_NE(error.find("number overflow"), std::string::npos) << error;
}

TEST(JsonLines, PointerTokensAreEscaped) {
  EXPECT_EQ(json_pointer_token("a/b~c"), "a~1b~0c");
}

TEST(JsonLines, UnreadableFileIsNamed) {
  JsonDocument doc;
  std::string error;
  EXPECT_FALSE(read_json_document("/nonexistent/x.json", &doc, &error));
  EXPECT_EQ(error.rfind("/nonexistent/x.json: cannot read", 0), 0u) << error;
}

}  // namespace
}  // namespace sigctx
