// Line tracking of the JSON reader: errors in hand-written files must name the line to fix.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "results/json_lines.h"
#include "results/result_file.h"
#include "results/run_result.h"

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

// Issue 22, part 3: 100,000 levels of nesting ran 280 s and ended in bad_alloc.
TEST(JsonLines, DeepNestingIsRefusedAtOnce) {
  const std::string text = std::string(100000, '[') + std::string(100000, ']');
  JsonDocument doc;
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(parse_json_document(text, "deep.json", &doc, &error));
  EXPECT_NE(error.find("deep.json:1:65: not valid JSON: nested deeper than 64 levels"),
            std::string::npos)
      << error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // 64 levels are fine.
  EXPECT_TRUE(
      parse_json_document(std::string(64, '[') + std::string(64, ']'), "ok.json", &doc, &error))
      << error;
}

// A FIFO with no writer blocked forever; /dev/zero was read up to 4 GB.
TEST(JsonLines, OnlyRegularFilesAreRead) {
  const std::string dir = ::testing::TempDir() + "/sigctx-inputs-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string fifo = dir + "/fifo.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string text, error;
  EXPECT_FALSE(read_text_file(fifo, &text, &error));
  EXPECT_EQ(error, fifo + ": is not a regular file (a device, FIFO or socket is never an input)");
  EXPECT_FALSE(read_text_file("/dev/zero", &text, &error));
  EXPECT_NE(error.find("/dev/zero: is not a regular file"), std::string::npos) << error;
  EXPECT_FALSE(read_text_file(dir, &text, &error));
  EXPECT_EQ(error, dir + ": is a directory");
  std::filesystem::remove_all(dir);
}

// `"machine": null` crashed compare and report with an uncaught type_error.
TEST(JsonLines, AResultFileMemberOfTheWrongTypeIsNamed) {
  for (const char* value : {"null", "[]", "3"}) {
    const std::string text = std::string(R"({"schema": "sigctx-result/1", "tool": {},
"machine": )") + value + R"(,
"options": {}, "cases": [], "summary": {}})";
    RunResult run;
    std::string error;
    EXPECT_FALSE(read_result_text(text, "r.json", &run, &error)) << value;
    EXPECT_EQ(error, "r.json:2: \"machine\" must be an object") << value;
  }
}

// Schema violations that were accepted with exit 0, each now named with its line.
TEST(JsonLines, ResultFileSchemaViolationsAreNamed) {
  struct Bad {
    std::string cases, summary, message;
  };
  const std::string ok = R"({"id": "signal/sync/gpr", "status": "pass"})";
  const std::vector<Bad> bad = {
      {R"({"id": "a", "status": "pass", "injections": -1})", "{}",
       "r.json:4: case 0: \"injections\" must be a whole number from 0, not -1"},
      {R"({"id": "a", "status": "pass", "injections": 1e30})", "{}",
       "\"injections\" must be a whole number from 0, not 1e+30"},
      {R"({"id": "a", "status": "pass", "seed": "0xzz"})", "{}",
       "\"seed\" must be 0x and up to 16 lower-case hex digits, not \"0xzz\""},
      {R"({"id": "a", "status": "pass", "facts": [1]})", "{}",
       "\"facts\" must be an object, not [1]"},
      {ok + ",\n" + ok, "{}",
       "r.json:5: case signal/sync/gpr iteration 0 appears twice (first on line 4)"},
      {ok, R"({"pass": -1})", "r.json:6: summary \"pass\" must be a whole number from 0, not -1"},
  };
  for (const Bad& b : bad) {
    const std::string text =
        "{\"schema\": \"sigctx-result/1\", \"tool\": {\"version\": \"0\"},\n"
        "\"machine\": {}, \"options\": {},\n\"cases\": [\n" +
        b.cases + "\n],\n\"summary\": " + b.summary + "}";
    RunResult run;
    std::string error;
    EXPECT_FALSE(read_result_text(text, "r.json", &run, &error)) << text;
    EXPECT_NE(error.find(b.message), std::string::npos) << error << "\n" << text;
  }
  // The two copies of one case in different iterations (--repeat) are fine.
  std::ifstream in(std::string(SIGCTX_SOURCE_DIR) + "/tests/fuzz/corpus/result/small-run.json");
  nlohmann::json repeat = nlohmann::json::parse(in);
  nlohmann::json again = repeat["cases"][0];
  again["iteration"] = 1;
  repeat["cases"].push_back(again);
  RunResult run;
  std::string error;
  EXPECT_TRUE(read_result_text(repeat.dump(2), "r.json", &run, &error)) << error;
  EXPECT_EQ(run.cases.size(), repeat["cases"].size());
}

}  // namespace
}  // namespace sigctx
