// Issue 22 on the real binary: outputs that would destroy a file are refused before the run,
// /dev/fd outputs reach the descriptor, lost standard output is an error, and a mutation that
// cannot be applied is refused rather than passing.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "runners/fingerprint.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/spawn.h"
#include "xstate/component_registry.h"

namespace sigctx {
namespace {

using test::Outcome;
const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";

Outcome sigctx(std::vector<std::string> args) {
  args.insert(args.begin(), kSigctx);
  return test::spawn_and_wait(std::move(args));
}

class CliOutputs : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return scratch_.path(name); }
  test::ScratchDir scratch_{"sigctx-cli"};
  const std::string& dir_ = scratch_.dir();
};

// Each refusal comes before any case runs: no summary line, and the files are untouched.
TEST_F(CliOutputs, CollidingOutputsAndDirectoriesAreRefusedBeforeTheRun) {
  const std::string expect = path("mine.json");
  const std::string expect_text =
      R"({"schema": "sigctx-expectations/1", "description": "none", "entries": []})";
  { std::ofstream(expect) << expect_text; }
  const std::string report_in = path("a.md");
  { std::ofstream(report_in) << "not a result"; }
  struct Refused {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Refused> cases = {
      {{"run", "--cases", "signal/sync/gpr", "--json", path("x"), "--junit", path("x")},
       "--json " + path("x") + " and --junit " + path("x") + " name the same file"},
      {{"run", "--cases", "signal/sync/gpr", "--json", expect, "--expect", expect},
       "--json " + expect + " would overwrite the input --expect " + expect},
      {{"run", "--cases", "signal/sync/gpr", "--json", dir_},
       "--json " + dir_ + ": is a directory"},
      {{"run", "--cases", "signal/sync/gpr", "--junit", path("no/such/dir.xml")},
       "directory " + path("no/such") + " does not exist"},
      {{"report", report_in, "-o", report_in},
       "report -o " + report_in + " would overwrite the input report " + report_in},
  };
  for (const Refused& r : cases) {
    const Outcome o = sigctx(r.args);
    EXPECT_EQ(o.status, 2) << r.message << "\n" << o.out << o.err;
    EXPECT_NE(o.err.find(r.message), std::string::npos) << o.err;
    EXPECT_EQ(o.out.find("summary:"), std::string::npos) << "the run went ahead:\n" << o.out;
  }
  EXPECT_EQ(test::read_file(expect), expect_text);
  EXPECT_EQ(test::read_file(report_in), "not a result");
  EXPECT_FALSE(std::filesystem::exists(path("x")));
}

// /dev/fd/1 is the run's own standard output: the JSON arrives there, after the console lines.
TEST_F(CliOutputs, JsonToADescriptorReachesIt) {
  const Outcome o = sigctx({"run", "--cases", "signal/sync/gpr", "--json", "/dev/fd/1"});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("\"schema\": \"sigctx-result/1\""), std::string::npos) << o.out;
  EXPECT_LT(o.out.find("summary:"), o.out.find("\"schema\"")) << o.out;
}

// A symlinked output replaces its target, which keeps its 0600 mode.
TEST_F(CliOutputs, ASymlinkedOutputReplacesItsTarget) {
  const std::string target = path("real.json"), link = path("link.json");
  { std::ofstream(target) << "old"; }
  ASSERT_EQ(chmod(target.c_str(), 0600), 0);
  std::filesystem::create_symlink("real.json", link);
  const Outcome o = sigctx({"run", "--cases", "signal/sync/gpr", "--json", link});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_NE(test::read_file(target).find("sigctx-result/1"), std::string::npos);
  struct stat st;
  ASSERT_EQ(stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

// A hostile result file's escape sequences never reach the terminal through compare.
TEST_F(CliOutputs, CompareShowsNoEscapeSequenceFromItsFiles) {
  const std::string a = path("a.json"), b = path("b.json");
  Outcome o = sigctx({"run", "--cases", "signal/sync/gpr", "--json", a});
  ASSERT_EQ(o.status, 0) << o.err;
  nlohmann::json j = nlohmann::json::parse(test::read_file(a));
  // Free text the schema allows: a fingerprint field and a reason.
  j["machine"]["os"]["release"] = "6.1\x1b[2J";
  j["cases"][0]["status"] = "fail";
  j["cases"][0]["reason"] = "\x1b]0;owned\x07";
  { std::ofstream(b) << j.dump(2); }
  o = sigctx({"compare", a, b});
  EXPECT_EQ(o.out.find('\x1b'), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("6.1\\x1b[2J"), std::string::npos) << o.out;
  // A case id the schema refuses is named in the error, escaped there too.
  j["cases"][0]["id"] = "signal/sync/\x1b[2Jgpr";
  { std::ofstream(b) << j.dump(2); }
  o = sigctx({"compare", a, b});
  EXPECT_EQ(o.status, 2) << o.out << o.err;
  EXPECT_EQ(o.err.find('\x1b'), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("/cases/0/id"), std::string::npos) << o.err;
}

// A typo in the user's own expectation file is pointed out, naming its line (issue 22, part 3).
TEST_F(CliOutputs, AnExpectationGlobThatMatchesNoCaseIsWarnedAbout) {
  const std::string file = path("mine.json");
  std::ofstream(file) << R"({"schema": "sigctx-expectations/1", "description": "mine",
"entries": [
  {"cases": ["signal/sync/gpr", "signal/synk/*"], "expect": "pass", "reason": "r",
   "reference": "here"}
]})";
  const Outcome o = sigctx({"run", "--cases", "signal/sync/gpr", "--expect", file});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(
      o.err.find("sigctx: warning: " + file + ":3: case glob 'signal/synk/*' matches no case"),
      std::string::npos)
      << o.err;
  EXPECT_EQ(o.err.find("'signal/sync/gpr' matches no case"), std::string::npos) << o.err;
}

// Output that never arrived is an error with a message, never exit 0 and never an abort.
TEST(Cli, LostStandardOutputIsAnError) {
  for (const std::string& args :
       {std::string("list"), std::string("probe --json"), std::string("probe"),
        std::string("explain"), std::string("run --cases signal/sync/gpr")}) {
    const Outcome o = test::spawn_and_wait({"/bin/sh", "-c", kSigctx + " " + args + " >/dev/full"});
    EXPECT_EQ(o.status, 2) << args << "\n" << o.err;
    EXPECT_NE(o.err.find("sigctx: error: standard output: No space left on device"),
              std::string::npos)
        << args << "\n"
        << o.err;
  }
}

// A mutation test that cannot mutate anything must not pass: the component is absent here.
TEST(Cli, AFaultThatCannotBeInjectedIsRefused) {
  const ComponentDescriptor* absent = nullptr;
  for (const ComponentDescriptor* c : all_components())
    if (!c->availability(live_machine()).ok) {
      absent = c;
      break;
    }
  if (!absent) GTEST_SKIP() << "every component is available on this machine";
  const std::string name(absent->name);
  const Outcome o = sigctx({"run", "--cases", "signal/sync/*", "--inject-fault", name});
  EXPECT_EQ(o.status, 2) << o.out << o.err;
  EXPECT_NE(o.err.find("--inject-fault " + name + ": component " + name + " is not available here"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(o.out.find("summary:"), std::string::npos) << o.out;
}

}  // namespace
}  // namespace sigctx
