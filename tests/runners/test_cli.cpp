// The command-line contract (DESIGN.md section 3), exercised on the real binary: exit status 0,
// 1 and 2, messages that name the bad flag or value, result files written atomically and valid
// against the shipped JSON Schema, and identical behaviour under a tracer.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runners/bug_catalog.h"

extern char** environ;

namespace sigctx {
namespace {

struct Outcome {
  int status = -1;
  std::string out, err;
};

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

Outcome run(std::vector<std::string> argv) {
  // Unique per call and per process: ctest may run several of these tests at once.
  static int calls = 0;
  const std::string stem =
      ::testing::TempDir() + "/cli-" + std::to_string(getpid()) + "-" + std::to_string(++calls);
  const std::string out_path = stem + ".out", err_path = stem + ".err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid;
  Outcome o;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) return o;
  posix_spawn_file_actions_destroy(&fa);
  int status;
  waitpid(pid, &status, 0);
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = read_file(out_path);
  o.err = read_file(err_path);
  return o;
}

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";
const std::string kSchema = std::string(SIGCTX_SOURCE_DIR) + "/results/sigctx-result-1.schema.json";

// Validates a result file with the reference JSON Schema implementation (python3-jsonschema).
void expect_valid(const std::string& file) {
  Outcome v = run({"/usr/bin/python3", "-m", "jsonschema", "-i", file, kSchema});
  ASSERT_NE(v.status, -1) << "python3 is missing: install python3-jsonschema";
  EXPECT_EQ(v.status, 0) << file << " does not validate against " << kSchema << ":\n"
                         << v.out << v.err;
}

TEST(Cli, UsageErrorsExitTwoAndNameTheFlag) {
  struct Bad {
    std::vector<std::string> args;
    std::string mentions;
  };
  const std::vector<Bad> cases = {
      {{"run", "--seed", "banana"}, "--seed: 'banana' is not a decimal"},
      {{"run", "--repeat", "0"}, "--repeat"},
      {{"run", "--jobs", "x"}, "--jobs"},
      {{"run", "--frobnicate"}, "--frobnicate"},
      {{"run", "--cases", "signal/nope/*"}, "--cases 'signal/nope/*' matches no case"},
      {{"run", "--inject-fault", "avx:xmm1"},
       "--inject-fault: component avx has no register 'xmm1'"},
      {{"run", "--json", "/nonexistent-dir/out.json"}, "--json /nonexistent-dir/out.json"},
      {{"list", "--cases", "zzz"}, "--cases 'zzz' matches no case"},
      {{"run", "--injector", "laser"}, "--injector: 'laser' is not one of step, hwbp, int3, async"},
      {{"run", "--at", "-3"}, "--at"},
      {{"run", "--stride", "0"}, "--stride"},
      {{"run", "--inject-fault", "avx:ymm0@x"}, "--inject-fault: '@x' is not a boundary number"},
      {{"run", "--emulate", "linux-9.9"}, "--emulate: 'linux-9.9' is not a catalog bug"},
      {{"run", "--emulate", "zenbleed"},
       "--emulate: 'zenbleed' is in the catalog but has no emulation"},
      {{"explain", "signal/nope"}, "explain: 'signal/nope' is neither a catalog bug nor a case"},
      {{"explode"}, "unknown command 'explode' (commands: probe, list, explain, run)"},
      {{}, "A subcommand is required"},
  };
  for (const auto& b : cases) {
    std::vector<std::string> argv = {kSigctx};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    const Outcome o = run(argv);
    EXPECT_EQ(o.status, 2) << b.mentions << "\n" << o.out << o.err;
    EXPECT_NE(o.err.find(b.mentions), std::string::npos) << "stderr was: " << o.err;
  }
}

TEST(Cli, PassingRunExitsZeroAndWritesValidJson) {
  const std::string file = ::testing::TempDir() + "/pass.json";
  std::filesystem::remove(file);
  const Outcome o = run(
      {kSigctx, "run", "--cases", "signal/sync/*", "--cases", "signal/frame/sse", "--json", file});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("summary: "), std::string::npos);
  EXPECT_NE(o.out.find("machine: "), std::string::npos) << "header with the fingerprint";
  expect_valid(file);
  const auto j = nlohmann::json::parse(read_file(file));
  EXPECT_EQ(j["schema"], "sigctx-result/1");
  EXPECT_EQ(j["summary"]["fail"], 0);
  EXPECT_EQ(j["cases"].size(), 18u);
  // No temporary file left beside it.
  for (const auto& e : std::filesystem::directory_iterator(::testing::TempDir()))
    EXPECT_EQ(e.path().string().find("pass.json.tmp"), std::string::npos) << e.path();
}

TEST(Cli, FailingRunExitsOneWithDiffReproduceAndValidJson) {
  const std::string file = ::testing::TempDir() + "/fail.json";
  const Outcome o = run({kSigctx, "run", "--cases", "signal/sync/sse", "--seed", "0x1234",
                         "--inject-fault", "sse:xmm9", "--json", file});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  EXPECT_NE(o.out.find("FAIL  signal/sync/sse  at sigctx_hold+0x"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("(syscall)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("sse: xmm9 differ after sigreturn (1 register, 16 bytes), class handler"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("reproduce: sigctx run --cases signal/sync/sse --seed 0x1234 "
                       "--inject-fault sse:xmm9"),
            std::string::npos)
      << o.out;
  expect_valid(file);
  const auto j = nlohmann::json::parse(read_file(file));
  const auto& c = j["cases"][0];
  EXPECT_EQ(c["status"], "fail");
  EXPECT_EQ(c["diffs"][0]["component"], "sse");
  EXPECT_EQ(c["diffs"][0]["register"], "xmm9");
  EXPECT_EQ(c["diffs"][0]["class"], "handler");
  EXPECT_EQ(c["diffs"][0]["injection"]["instruction"], "syscall");
}

// --emulate: the bug's cases fail and say how to reproduce it; the result records the option.
TEST(Cli, EmulatedBugFailsAndReproduces) {
  const std::string file = ::testing::TempDir() + "/emulate.json";
  const Outcome o = run({kSigctx, "run", "--cases", "signal/sync/sse", "--cases", "signal/sync/avx",
                         "--emulate", "illumos-15254", "--json", file});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  EXPECT_NE(o.out.find("PASS  signal/sync/sse"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("FAIL  signal/sync/avx"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("reproduce: sigctx run --cases signal/sync/avx --seed 0x6a09e667 "
                       "--emulate illumos-15254"),
            std::string::npos)
      << o.out;
  expect_valid(file);
  const auto j = nlohmann::json::parse(read_file(file));
  EXPECT_EQ(j["options"]["emulate"], "illumos-15254");
  EXPECT_EQ(j["cases"][1]["diffs"][0]["class"], "handler");
  EXPECT_GT(j["cases"][1]["facts"]["emulated_deliveries"].get<int>(), 0);
}

// explain tells a bug's story with the cases that catch it, and a case's checks with its bugs.
TEST(Cli, ExplainBugsAndCases) {
  const Outcome index = run({kSigctx, "explain"});
  EXPECT_EQ(index.status, 0) << index.err;
  for (const BugEntry& b : bug_catalog())
    EXPECT_NE(index.out.find(std::string(b.id)), std::string::npos) << b.id;

  const Outcome bug = run({kSigctx, "explain", "illumos-15254"});
  EXPECT_EQ(bug.status, 0) << bug.err;
  for (const char* part : {"system:", "transition:", "mechanism:", "symptom:", "reference:",
                           "--emulate:", "caught by:", "    signal/sync/avx\n"})
    EXPECT_NE(bug.out.find(part), std::string::npos) << part << " in:\n" << bug.out;

  const Outcome c = run({kSigctx, "explain", "signal/async/opmask"});
  EXPECT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.out.find("darwin-opmask"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("illumos-15254"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("linux-6.12-pkru"), std::string::npos) << c.out;
}

TEST(Cli, RepeatDerivesSeedsAndReproducesExactly) {
  const std::string file = ::testing::TempDir() + "/repeat.json";
  Outcome o = run({kSigctx, "run", "--cases", "signal/sync/avx", "--repeat", "3", "--inject-fault",
                   "avx:ymm2:zero", "--json", file});
  EXPECT_EQ(o.status, 1);
  const auto j = nlohmann::json::parse(read_file(file));
  ASSERT_EQ(j["cases"].size(), 3u);
  std::set<std::string> seeds;
  for (const auto& c : j["cases"])
    seeds.insert(c["seed"].get<std::string>());
  EXPECT_EQ(seeds.size(), 3u);
  // The third repetition's reproduce line alone gives the same diff.
  const std::string line = j["cases"][2]["reproduce"];
  const std::string seed = j["cases"][2]["seed"];
  EXPECT_NE(line.find("--seed " + seed), std::string::npos);
  const std::string again = ::testing::TempDir() + "/again.json";
  o = run({kSigctx, "run", "--cases", "signal/sync/avx", "--seed", seed, "--inject-fault",
           "avx:ymm2:zero", "--json", again});
  const auto k = nlohmann::json::parse(read_file(again));
  EXPECT_EQ(k["cases"][0]["diffs"], j["cases"][2]["diffs"]);
}

TEST(Cli, ListShowsWhatRunsHere) {
  const Outcome o = run({kSigctx, "list", "--cases", "signal/sync/*"});
  EXPECT_EQ(o.status, 0);
  EXPECT_NE(o.out.find("signal/sync/avx"), std::string::npos);
  EXPECT_NE(o.out.find("17 cases"), std::string::npos) << o.out;
}

TEST(Cli, ProbeJsonIsTheResultFilesMachine) {
  const Outcome o = run({kSigctx, "probe", "--json"});
  EXPECT_EQ(o.status, 0);
  const auto j = nlohmann::json::parse(o.out);
  EXPECT_TRUE(j.contains("xsave"));
  EXPECT_TRUE(j["signal_frame"]["measured"].get<bool>()) << j["signal_frame"].dump();
}

// Under a tracer every case behaves the same; nothing here needs ptrace itself.
TEST(Cli, SameResultsUnderStrace) {
  const std::string file = ::testing::TempDir() + "/traced.json";
  const Outcome o =
      run({"strace", "-f", "-qq", "-o", "/dev/null", kSigctx, "run", "--cases", "signal/*/sse",
           "--cases", "signal/*/all", "--cases", "signal/altstack/size", "--json", file});
  ASSERT_NE(o.status, -1) << "strace is missing (apt-get install strace)";
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  const auto j = nlohmann::json::parse(read_file(file));
  EXPECT_TRUE(j["machine"]["environment"]["ptraced"].get<bool>());
  EXPECT_EQ(j["summary"]["pass"], j["summary"]["total"]);
}

// A dirty-kernel failure names its boundary and instruction, and its reproduce line pins them.
TEST(Cli, KernelFailureIsLocalisedAndReproducible) {
  const std::string file = ::testing::TempDir() + "/kernel.json";
  Outcome o = run({kSigctx, "run", "--cases", "signal/step/memclr", "--inject-fault",
                   "avx:ymm0@100", "--json", file});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  EXPECT_NE(o.out.find("FAIL  signal/step/memclr  at memclr+0x"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("(boundary 100 of 226: vmovdqu %ymm0"), std::string::npos) << o.out;
  expect_valid(file);
  const auto j = nlohmann::json::parse(read_file(file));
  const auto& c = j["cases"][0];
  EXPECT_EQ(c["diffs"][0]["injection"]["boundary"], 100);
  EXPECT_EQ(c["diffs"][0]["injection"]["boundaries"], 226);
  const std::string line = c["reproduce"];
  EXPECT_NE(line.find("--at 100"), std::string::npos) << line;
  // The reproduce line, run as given, fails the same way.
  std::vector<std::string> argv = {kSigctx};
  for (size_t start = std::string("sigctx ").size(), end; start < line.size(); start = end + 1) {
    end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    argv.push_back(line.substr(start, end - start));
  }
  const std::string again = ::testing::TempDir() + "/kernel-again.json";
  argv.insert(argv.end(), {"--json", again});
  o = run(argv);
  EXPECT_EQ(o.status, 1);
  const auto k = nlohmann::json::parse(read_file(again));
  EXPECT_EQ(k["cases"][0]["diffs"][0], c["diffs"][0]);
}

TEST(Cli, BoundaryPastTheKernelIsAnError) {
  const Outcome o = run({kSigctx, "run", "--cases", "signal/step/sse_mix", "--at", "5000"});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("--at 5000: sse_mix has 64 boundaries (0..63)"), std::string::npos) << o.out;
}

}  // namespace
}  // namespace sigctx
