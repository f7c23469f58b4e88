// The command-line contract (DESIGN.md section 3), exercised on the real binary: exit status 0,
// 1 and 2, messages that name the bad flag or value, result files written atomically and valid
// against the shipped JSON Schema, and identical behaviour under a tracer.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "runners/bug_catalog.h"
#include "runners/case_registry.h"
#include "tests/support/run_case.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

using test::Outcome;
using test::read_file;
Outcome run(std::vector<std::string> argv) {
  return test::spawn_and_wait(std::move(argv));
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

// Issue 25: --version names the build, so that a result from a machine under test says which
// binary produced it; the static binary says so.
TEST(Cli, VersionNamesTheBuild) {
  for (const auto& [binary, linkage, decoder] :
       {std::tuple<std::string, const char*, const char*>{kSigctx, "(dynamic)", "zydis"},
        {std::string(SIGCTX_BINARY_DIR) + "/sigctx-static", "(static)", "capstone"}}) {
    const Outcome o = run({binary, "--version"});
    EXPECT_EQ(o.status, 0) << binary;
    EXPECT_EQ(o.out.rfind("sigctx ", 0), 0u) << o.out;
    EXPECT_NE(o.out.find(" (git "), std::string::npos) << o.out;
    for (const std::string& part :
         {std::string("built with: GCC "), std::string(" glibc "), std::string(linkage),
          std::string(" libcpuid "), std::string("disassembler ") + decoder})
      EXPECT_NE(o.out.find(part), std::string::npos) << binary << " lacks '" << part << "':\n"
                                                     << o.out;
  }
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
      // Options that would be ignored are refused (issue 22, part 4).
      {{"run", "--at", "3", "--cases", "signal/sync/gpr"},
       "--at applies to the cases that inject at a dirty routine's boundaries"},
      {{"run", "--stride", "2", "--cases", "signal/storm/*"}, "--stride applies to the cases"},
      {{"run", "--no-expectations", "--expect", "x.json"},
       "--no-expectations judges by no expectation file, so --expect x.json would be ignored"},
      {{"run", "--seed", " -1"}, "--seed: ' -1' is not a decimal"},
      {{"compare", "--zzz", "a"}, "compare: unknown option '--zzz'"},
      {{"run", "--inject-fault", "avx:ymm0@x"}, "--inject-fault: '@x' is not a boundary number"},
      {{"run", "--emulate", "linux-9.9"}, "--emulate: 'linux-9.9' is not a catalog bug"},
      {{"explain", "signal/nope"}, "explain: 'signal/nope' is neither a catalog bug nor a case"},
      {{"run", "--profile", "go-fast"}, "--profile: 'go-fast' is not a profile (profiles: "},
      {{"run", "--duration", "5"}, "--duration applies to a --profile run"},
      {{"run", "--profile", "go-preempt", "--duration", "-1"}, "--duration"},
      {{"report", "a.json", "-o", "matrix.txt"},
       "report -o: 'matrix.txt' must end in .html or .md"},
      {{"report", "/nonexistent/a.json", "-o", "/tmp/m.md"}, "/nonexistent/a.json"},
      {{"explode"},
       "unknown command 'explode' (commands: probe, list, explain, reproduce, compare, report, "
       "run, soak, vm, matrix, completion)"},
      {{"vm", "--kernel", "/nonexistent/bzImage"}, "--kernel /nonexistent/bzImage: no such file"},
      {{"vm", "--kernel", "debian:latest"}, "'latest' is neither a Debian kernel release"},
      {{"vm", "--kernel", "/dev/null", "--", "--jobz", "2"}, "run options after --: "},
      {{"vm", "--kernel", "/dev/null", "--emulator", "kvm"},
       "--emulator: 'kvm' is not qemu, bochs or uml"},
      {{"vm", "--kernel", "/dev/null", "--emulator", "uml"},
       "--kernel /dev/null: not a user-mode Linux program"},
      {{"vm", "--cpu", "max"}, "--kernel is required"},
      {{"matrix", "--kernels", "5.0-nope"}, "--kernels: '5.0-nope' is neither"},
      {{"matrix", "--emulator", "kvm"}, "--emulator: 'kvm' is not qemu, bochs or uml"},
      {{"matrix", "--emulator", "uml", "--cpus", "max"}, "--cpus: user-mode Linux runs on"},
      // matrix takes --cpus and --append-variants; the single-guest spellings are refused.
      {{"matrix", "--cpu", "Haswell"}, "--cpu"},
      {{"matrix", "--append", "noxsave"}, "--append"},
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

// git bisect run: 0 good, 1 bad, 125 untestable, and a usage error aborts (128), never "bad".
TEST(Cli, BisectExitStatusesAreWhatGitBisectRunWants) {
  EXPECT_EQ(run({kSigctx, "run", "--bisect", "--cases", "signal/sync/gpr"}).status, 0);
  EXPECT_EQ(
      run({kSigctx, "run", "--bisect", "--cases", "signal/sync/gpr", "--inject-fault", "gpr:rbx"})
          .status,
      1);
  EXPECT_EQ(run({kSigctx, "run", "--bisect", "--cases", "signal/nope/*"}).status, 128);
  EXPECT_EQ(run({kSigctx, "run", "--bisect", "--jobz", "2"}).status, 128);
  EXPECT_EQ(run({kSigctx, "run", "--bisect", "--seed", "banana"}).status, 128);
  // A typo in the guest's cases is found on the host, before any boot.
  const Outcome vm_typo =
      run({kSigctx, "vm", "--kernel", "/dev/null", "--bisect", "--", "--cases", "signal/nope/*"});
  EXPECT_EQ(vm_typo.status, 128) << vm_typo.out << vm_typo.err;
  EXPECT_NE(vm_typo.err.find("--cases 'signal/nope/*' matches no case"), std::string::npos)
      << vm_typo.err;
  const Outcome matrix = run({kSigctx, "matrix", "--bisect", "--cpus", "max,Haswell"});
  EXPECT_EQ(matrix.status, 128);
  EXPECT_NE(matrix.err.find("--bisect searches kernels"), std::string::npos) << matrix.err;
  // Every selected case skipping here: neither good nor bad.
  const Outcome list = run({kSigctx, "list"});
  std::string skipping;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(" skips here: ") != std::string::npos &&
        line.find("(sigctx run") == std::string::npos) {
      skipping = line.substr(0, line.find(' '));
      break;
    }
  if (skipping.empty()) GTEST_SKIP() << "every case runs on this machine";
  const Outcome o = run({kSigctx, "run", "--bisect", "--cases", skipping});
  EXPECT_EQ(o.status, 125) << skipping << "\n" << o.out << o.err;
}

// Seeds are decimal or 0x hex; a leading zero does not make them octal.
TEST(Cli, SeedWithALeadingZeroIsDecimal) {
  const Outcome o = run({kSigctx, "run", "--seed", "010", "--cases", "signal/sync/gpr"});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("seed 0xa "), std::string::npos) << o.out;
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
  EXPECT_EQ(j["cases"].size(), 21u);
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

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// --expect: a user's file excuses exactly the deviation it describes, is named with its line in
// the result, and overrides the built-in files; --no-expectations judges raw.
TEST(Cli, ExpectFileExcusesItsDeviationAndOverridesBuiltins) {
  const std::string expect = ::testing::TempDir() + "/mine.json";
  write_text(expect,
             "{\n"
             "  \"schema\": \"sigctx-expectations/1\",\n"
             "  \"description\": \"this OS restores only the XMM halves\",\n"
             "  \"entries\": [\n"
             "    {\"cases\": \"signal/sync/avx\", \"expect\": \"xfail\",\n"
             "     \"when\": {\"components\": \"avx\", \"classes\": \"handler\"},\n"
             "     \"reason\": \"the handler's YMM halves leak\", \"reference\": \"bug 15254\"},\n"
             "    {\"cases\": \"signal/badframe/magic2\", \"expect\": \"pass\",\n"
             "     \"reason\": \"this OS promises to refuse the frame\"}\n"
             "  ]\n"
             "}\n");
  const std::string file = ::testing::TempDir() + "/expected.json";
  const Outcome o = run({kSigctx, "run", "--cases", "signal/sync/avx", "--emulate", "illumos-15254",
                         "--expect", expect, "--json", file});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("XFAIL signal/sync/avx"), std::string::npos) << o.out;
  expect_valid(file);
  const auto j = nlohmann::json::parse(read_file(file));
  const auto& e = j["cases"][0]["expectation"];
  EXPECT_EQ(e["outcome"], "met");
  EXPECT_EQ(e["sources"][0], expect + ":5");
  EXPECT_EQ(e["reference"], "bug 15254");
  EXPECT_NE(e["failure"].get<std::string>().find("avx"), std::string::npos);
  EXPECT_EQ(j["options"]["expectations"].back(), expect);

  // A different fault in the same case, a bit flip rather than the handler's value, is not
  // excused.
  const Outcome other = run({kSigctx, "run", "--cases", "signal/sync/avx", "--inject-fault",
                             "avx:ymm2:bitflip", "--expect", expect});
  EXPECT_EQ(other.status, 1) << other.out;
  EXPECT_NE(other.out.find("not covered by it: avx ymm2"), std::string::npos) << other.out;

  const CaseDescriptor* magic2 = find_case("signal/badframe/magic2");
  ASSERT_NE(magic2, nullptr);
  if (magic2->applicable(test::live_machine()).ok) {
    // Linux's fallback is an xfail of the built-in linux.json; raw, or overridden, it fails.
    EXPECT_EQ(run({kSigctx, "run", "--cases", "signal/badframe/magic2"}).status, 0);
    EXPECT_EQ(
        run({kSigctx, "run", "--cases", "signal/badframe/magic2", "--no-expectations"}).status, 1);
    EXPECT_EQ(run({kSigctx, "run", "--cases", "signal/badframe/magic2", "--expect", expect}).status,
              1);
  }
}

TEST(Cli, BadExpectFileIsNamedWithItsLine) {
  const std::string bad = ::testing::TempDir() + "/bad-expect.json";
  write_text(bad,
             "{\n  \"schema\": \"sigctx-expectations/1\",\n  \"description\": \"d\",\n"
             "  \"entries\": [\n    {\"cases\": \"*\", \"expect\": \"maybe\", \"reason\": "
             "\"r\"}\n  ]\n}\n");
  Outcome o = run({kSigctx, "run", "--cases", "signal/sync/gpr", "--expect", bad});
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--expect " + bad + ":5: \"expect\" is \"maybe\""), std::string::npos)
      << o.err;
  write_text(bad, "{\"schema\": \"sigctx-expectations/1\",\n\"entries\": [}\n");
  o = run({kSigctx, "run", "--cases", "signal/sync/gpr", "--expect", bad});
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--expect " + bad + ":2:13: not valid JSON"), std::string::npos) << o.err;
  o = run({kSigctx, "run", "--cases", "signal/sync/gpr", "--expect", "/nonexistent/e.json"});
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--expect /nonexistent/e.json: cannot read"), std::string::npos) << o.err;
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
  EXPECT_NE(o.out.find("20 cases"), std::string::npos) << o.out;
}

// --tap replaces the human output with TAP 13 on stdout; --junit writes XML that validates.
TEST(Cli, TapAndJUnitOfARealRun) {
  const std::string junit = ::testing::TempDir() + "/run.xml";
  const Outcome o = run({kSigctx, "run", "--cases", "signal/sync/sse", "--cases", "signal/sync/gpr",
                         "--inject-fault", "sse:xmm4", "--tap", "--junit", junit});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  EXPECT_EQ(o.out.rfind("TAP version 13\n1..2\n# sigctx ", 0), 0u) << o.out;
  // In registry order.
  EXPECT_NE(o.out.find("\nok 1 signal/sync/gpr\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\nnot ok 2 signal/sync/sse\n#   sse: xmm4"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("summary:"), std::string::npos) << "human output mixed into the TAP";
  const Outcome v = run({"/usr/bin/xmllint", "--noout", "--schema",
                         std::string(SIGCTX_SOURCE_DIR) + "/tests/data/junit.xsd", junit});
  EXPECT_EQ(v.status, 0) << v.err;
  const std::string xml = read_file(junit);
  EXPECT_NE(xml.find("<failure message=\"sse: xmm4"), std::string::npos) << xml;
}

// The lines CMake turns into one CTest test per case (cmake/SigctxCaseTests.cmake).
TEST(Cli, ListCtestNamesEveryCaseWithItsLabels) {
  const Outcome o = run({kSigctx, "list", "--ctest"});
  ASSERT_EQ(o.status, 0) << o.err;
  std::map<std::string, std::string> labels;
  std::istringstream in(o.out);
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    EXPECT_EQ(line.find(';'), std::string::npos) << line;
    EXPECT_TRUE(labels.emplace(line.substr(0, tab), line.substr(tab + 1)).second) << line;
  }
  EXPECT_EQ(labels.size(), all_cases().size());
  EXPECT_EQ(labels["signal/sync/avx"], "sigctx-case,signal,signal-sync,avx");
  EXPECT_EQ(labels["signal/sync/all"], "sigctx-case,signal,signal-sync,all-components");
  EXPECT_EQ(labels["alloc/go-preempt/memclr"],
            "sigctx-case,alloc,alloc-go-preempt,avx\t--profile,go-preempt,--duration,1");
}

// soak: the failing iteration's artifacts, and the limits.
TEST(Cli, SoakStopsAtTheFirstFailureAndKeepsItsArtifacts) {
  const std::string dir = ::testing::TempDir() + "/soak-fail";
  std::filesystem::remove_all(dir);
  const Outcome o = run(
      {kSigctx, "soak", "--cases", "signal/sync/sse", "--inject-fault", "sse:xmm4", "--out", dir});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  const std::string f = dir + "/failure/";
  for (const char* name : {"stdout.txt", "stderr.txt", "result.json", "environment.txt", "cwd.txt",
                           "binary.txt", "fingerprint.json", "seed.txt"})
    EXPECT_TRUE(std::filesystem::exists(f + name)) << name;
  EXPECT_NE(read_file(f + "stdout.txt").find("FAIL  signal/sync/sse"), std::string::npos);
  EXPECT_NE(read_file(f + "seed.txt")
                .find("rerun: sigctx run --cases signal/sync/sse --jobs 1 "
                      "--inject-fault sse:xmm4 --seed 0x6a09e667"),
            std::string::npos)
      << read_file(f + "seed.txt");
  // The hash is the binary's, as sha256sum computes it.
  const Outcome sum = run({"/usr/bin/sha256sum", kSigctx});
  ASSERT_EQ(sum.status, 0);
  EXPECT_NE(read_file(f + "binary.txt").find("sha256 " + sum.out.substr(0, 64)), std::string::npos);
  expect_valid(f + "result.json");
  const nlohmann::json summary = nlohmann::json::parse(read_file(dir + "/summary.json"));
  EXPECT_EQ(summary["stop_reason"], "failure");
  EXPECT_EQ(summary["completed"], 1);
  EXPECT_EQ(summary["failure"]["seed"], "0x6a09e667");
}

TEST(Cli, SoakIterationsUseRepeatsSeeds) {
  const std::string dir = ::testing::TempDir() + "/soak-pass";
  std::filesystem::remove_all(dir);
  const Outcome o =
      run({kSigctx, "soak", "--cases", "signal/sync/gpr", "--max-iterations", "3", "--out", dir});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("soak: max-iterations after 3 iterations"), std::string::npos) << o.out;
  const nlohmann::json summary = nlohmann::json::parse(read_file(dir + "/summary.json"));
  ASSERT_EQ(summary["iterations"].size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(dir + "/failure"));
  // The same seeds as --repeat 3.
  const std::string json = ::testing::TempDir() + "/repeat3.json";
  ASSERT_EQ(
      run({kSigctx, "run", "--cases", "signal/sync/gpr", "--repeat", "3", "--json", json}).status,
      0);
  const nlohmann::json repeat = nlohmann::json::parse(read_file(json));
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(summary["iterations"][i]["seed"], repeat["cases"][i]["seed"]) << i;
  // A directory holding a soak is not reused; --json has no place in a soak.
  EXPECT_EQ(run({kSigctx, "soak", "--max-iterations", "1", "--out", dir}).status, 2);
  const Outcome j = run({kSigctx, "soak", "--json", "x.json", "--out", dir + "-2"});
  EXPECT_EQ(j.status, 2);
  EXPECT_NE(j.err.find("--json, --junit and --tap do not apply"), std::string::npos) << j.err;
}

// The progress line is written on a terminal only (script(1) gives it one), never into CI logs.
TEST(Cli, SoakShowsProgressOnlyOnATerminal) {
  const std::string dir = ::testing::TempDir() + "/soak-pty";
  std::filesystem::remove_all(dir);
  const Outcome tty =
      run({"/usr/bin/script", "-qec",
           kSigctx + " soak --cases signal/sync/gpr --max-iterations 2 --out " + dir, "/dev/null"});
  ASSERT_EQ(tty.status, 0) << tty.err;
  EXPECT_NE(tty.out.find("\r\033[Ksoak: iteration 2 (seed 0x"), std::string::npos) << tty.out;
  std::filesystem::remove_all(dir);
  const Outcome pipe =
      run({kSigctx, "soak", "--cases", "signal/sync/gpr", "--max-iterations", "2", "--out", dir});
  EXPECT_EQ(pipe.status, 0);
  EXPECT_EQ((pipe.out + pipe.err).find("soak: iteration"), std::string::npos) << pipe.err;
}

// A hangup does not stop it; SIGTERM stops it cleanly, with the summary written.
TEST(Cli, SoakSurvivesHangupAndStopsOnSigterm) {
  const std::string dir = ::testing::TempDir() + "/soak-signal";
  std::filesystem::remove_all(dir);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(kSigctx.c_str(), kSigctx.c_str(), "soak", "--cases", "signal/sync/*", "--max-time", "120",
          "--out", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto iterations = [&] {
    try {
      return nlohmann::json::parse(read_file(dir + "/summary.json"))["completed"].get<int>();
    } catch (...) {
      return 0;
    }
  };
  for (int i = 0; i < 200 && iterations() < 2; ++i)
    usleep(20000);
  kill(pid, SIGHUP);
  const int after_hangup = iterations();
  for (int i = 0; i < 200 && iterations() < after_hangup + 2; ++i)
    usleep(20000);
  EXPECT_GE(iterations(), after_hangup + 2) << "the soak stopped at the hangup";
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const nlohmann::json summary = nlohmann::json::parse(read_file(dir + "/summary.json"));
  EXPECT_EQ(summary["stop_reason"], "SIGTERM");
  EXPECT_FALSE(std::filesystem::exists(dir + "/.iteration"));
}

// compare on two real runs: the same case passing, then failing under a fault, is a regression
// (exit 1); the other way round a fix (exit 0); a file that is not a result is exit 2.
TEST(Cli, CompareFindsTheRegressionAndTheFix) {
  const std::string good = ::testing::TempDir() + "/cmp-good.json";
  const std::string bad = ::testing::TempDir() + "/cmp-bad.json";
  ASSERT_EQ(run({kSigctx, "run", "--cases", "signal/sync/sse", "--json", good}).status, 0);
  ASSERT_EQ(run({kSigctx, "run", "--cases", "signal/sync/sse", "--inject-fault", "sse:xmm4",
                 "--json", bad})
                .status,
            1);
  Outcome o = run({kSigctx, "compare", good, bad});
  EXPECT_EQ(o.status, 1) << o.out << o.err;
  EXPECT_NE(o.out.find("REGRESSIONS (1):\n  signal/sync/sse"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("pass -> fail: sse: xmm4"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("1 regression, 0 fixes"), std::string::npos) << o.out;
  o = run({kSigctx, "compare", bad, good});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("fixes (1):\n  signal/sync/sse"), std::string::npos) << o.out;
  o = run({kSigctx, "compare", good, kSchema});
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find(kSchema + ":1: member \"schema\" is missing"), std::string::npos) << o.err;
}

// report on real result files: every committed run becomes a column, every case a row.
TEST(Cli, ReportOfTheCommittedRuns) {
  std::vector<std::string> argv = {kSigctx, "report"};
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(SIGCTX_SOURCE_DIR) + "/results/runs"))
    if (e.path().extension() == ".json") argv.push_back(e.path().string());
  ASSERT_GE(argv.size(), 4u);
  const size_t files = argv.size() - 2;
  const std::string md = ::testing::TempDir() + "/matrix.md";
  argv.insert(argv.end(), {"-o", md});
  const Outcome o = run(argv);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find(fmt::format("{} machines", files)), std::string::npos) << o.out;
  const std::string text = read_file(md);
  EXPECT_NE(text.find(fmt::format("cases on {} machines", files)), std::string::npos);
  EXPECT_NE(text.find("| `signal/sync/avx` |"), std::string::npos);
}

// The committed VM matrix (docs/matrix.md): every cell's file is a sigctx-result/1 file, and the
// report of them says that TCG and bochs test the standard XSAVE format only.
TEST(Cli, CommittedVmMatrixIsValidAndReportsItsLimits) {
  std::vector<std::string> argv = {kSigctx, "report"};
  for (const char* dir : {"/results/matrix", "/results/matrix-bochs"})
    for (const auto& e : std::filesystem::directory_iterator(std::string(SIGCTX_SOURCE_DIR) + dir))
      if (e.path().extension() == ".json") {
        argv.push_back(e.path().string());
        expect_valid(e.path().string());
      }
  ASSERT_GE(argv.size(), 26u);  // 24 QEMU cells and the bochs column
  const std::string md = ::testing::TempDir() + "/vm-matrix.md";
  argv.insert(argv.end(), {"-o", md});
  const Outcome o = run(argv);
  ASSERT_EQ(o.status, 0) << o.err;
  const std::string text = read_file(md);
  EXPECT_NE(text.find(fmt::format("ran in an emulated machine")), std::string::npos);
  EXPECT_NE(text.find("only the standard XSAVE format"), std::string::npos);
}

// A profile's case runs for a fixed time: neither a default run nor a glob selects it, its
// exact id or --profile does, and the profile prints its measurements.
TEST(Cli, ProfileRunsOnlyWhenAskedAndReportsItsMeasurements) {
  std::vector<const CaseDescriptor*> selected;
  std::string error;
  ASSERT_TRUE(select_cases({}, &selected, &error));
  for (const CaseDescriptor* c : selected)
    EXPECT_TRUE(c->profile.empty()) << c->id;
  ASSERT_TRUE(select_cases({"alloc/*"}, &selected, &error));
  for (const CaseDescriptor* c : selected)
    EXPECT_TRUE(c->profile.empty()) << c->id;
  ASSERT_TRUE(select_cases({"alloc/go-preempt/memclr"}, &selected, &error));
  EXPECT_EQ(selected.size(), 1u);

  const std::string file = ::testing::TempDir() + "/profile.json";
  const Outcome o =
      run({kSigctx, "run", "--profile", "go-preempt", "--duration", "0.3", "--json", file});
  const Availability a = find_case("alloc/go-preempt/memclr")->applicable(test::live_machine());
  if (!a.ok) GTEST_SKIP() << a.reason;
  EXPECT_EQ(o.status, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("PASS  alloc/go-preempt/memclr"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("go-preempt: memclr zeroed"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Corruption: none"), std::string::npos) << o.out;
  expect_valid(file);
  const nlohmann::json j = nlohmann::json::parse(read_file(file));
  ASSERT_EQ(j["cases"].size(), 1u);  // only the profile's case
  EXPECT_EQ(j["options"]["profile"], "go-preempt");
  EXPECT_GT(j["cases"][0]["facts"]["sigurg_in_memclr"].get<double>(), 0);
}

TEST(Cli, ProbeJsonIsTheResultFilesMachine) {
  const Outcome o = run({kSigctx, "probe", "--json"});
  EXPECT_EQ(o.status, 0);
  const auto j = nlohmann::json::parse(o.out);
  EXPECT_TRUE(j.contains("xsave"));
  EXPECT_TRUE(j["signal_frame"]["measured"].get<bool>()) << j["signal_frame"].dump();
  // The components of XCR0 no case covers are listed, here as in every result file: exactly
  // XCR0's bits outside the component table (x87, SSE, AVX, opmask, ZMM, PKRU: mask 0x2e7).
  ASSERT_TRUE(j["xsave"]["uncovered_components"].is_array()) << j["xsave"].dump();
  const uint64_t xcr0 = std::stoull(j["xsave"]["xcr0"].get<std::string>(), nullptr, 16);
  EXPECT_EQ(j["xsave"]["uncovered_components"].size(),
            static_cast<size_t>(__builtin_popcountll(xcr0 & ~0x2e7ull)));
  const Outcome text = run({kSigctx, "probe"});
  EXPECT_NE(text.out.find("XCR0 components no case covers yet: "), std::string::npos) << text.out;
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

// A dirty-routine failure names its boundary and instruction, and its reproduce line pins them.
TEST(Cli, RoutineFailureIsLocalisedAndReproducible) {
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

// Only the case knows its routine's boundaries, after tracing it: still a usage error (exit 2,
// 128 under --bisect) naming the flag, with no verdict and no result file.
TEST(Cli, BoundaryPastTheRoutineIsAUsageError) {
  const std::string json = testing::TempDir() + "/at-past.json";
  std::filesystem::remove(json);
  Outcome o =
      run({kSigctx, "run", "--cases", "signal/step/sse_mix", "--at", "5000", "--json", json});
  EXPECT_EQ(o.status, 2) << o.out << o.err;
  EXPECT_NE(o.err.find("sigctx: error: signal/step/sse_mix: --at 5000: sse_mix has 64 boundaries "
                       "(0..63)"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(o.out.find("ERROR"), std::string::npos) << o.out;
  EXPECT_FALSE(std::filesystem::exists(json));
  o = run({kSigctx, "run", "--bisect", "--cases", "signal/step/sse_mix", "--at", "5000"});
  EXPECT_EQ(o.status, 128) << o.out << o.err;
  o = run({kSigctx, "run", "--cases", "signal/step/sse_mix", "--at", "63"});
  EXPECT_EQ(o.status, 0) << o.out << o.err;
}

}  // namespace
}  // namespace sigctx
