// The suite under real environments that deviate from Linux: valgrind --tool=none, QEMU's
// linux-user emulator on four CPU models, gVisor's runsc and user-mode Linux. Each deviation is an
// entry of the built-in expectation files (results/expectations/valgrind.json, qemu-user.json,
// gvisor.json, uml.json) with its reason, so the run must exit 0 with those deviations reported as
// xfail, and fail on anything else. An environment that is not installed skips with the package to
// install.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/support/gtest_name.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

struct Environment {
  std::string name;
  std::vector<std::string> prefix;  // the command that runs sigctx inside it
  std::string kind;                 // machine.environment.kind it must be recognised as
  std::string expectation_file;     // the built-in file its deviations come from
  std::string package;
  std::vector<std::string> run;  // sigctx's own arguments; the result file follows them
  bool needs_root = false;
  bool needs_static_sigctx = false;
};

const std::vector<std::string> kRun = {
    SIGCTX_BINARY_DIR "/sigctx", "run", "--jobs", "2", "--timeout", "120"};

std::vector<Environment> environments() {
  std::vector<Environment> out = {{"valgrind",
                                   {"valgrind", "--tool=none", "-q"},
                                   "valgrind",
                                   "builtin:valgrind.json",
                                   "valgrind",
                                   kRun}};
  for (const char* cpu : {"Nehalem", "SandyBridge", "Haswell", "max"})
    out.push_back({fmt::format("qemu_user_{}", cpu),
                   {"qemu-x86_64", "-cpu", cpu},
                   "qemu-user",
                   "builtin:qemu-user.json",
                   "qemu-user",
                   kRun});
  // gVisor writes into the host only without its overlay; every eighth boundary of the TF sweeps,
  // whose every step is a round trip through the Sentry (0.7 ms).
  out.push_back({"gvisor",
                 {"runsc", "--network=none", "--ignore-cgroups", "do", "-force-overlay=false"},
                 "gvisor",
                 "builtin:gvisor.json",
                 "runsc",
                 {SIGCTX_BINARY_DIR "/sigctx", "run", "--jobs", "2", "--stride", "8"},
                 true});
  // user-mode Linux boots through sigctx vm, with the static sigctx as its init.
  out.push_back(
      {"uml",
       {},
       "uml",
       "builtin:uml.json",
       "user-mode-linux",
       {SIGCTX_BINARY_DIR "/sigctx", "vm", "--emulator", "uml", "--kernel", "uml", "--quiet", "--"},
       false,
       true});
  return out;
}

// CTest names a test after its parameter as printed: the name, not the object's bytes (its
// pointers change with every build, and with them the name CTest keeps each test's cost under).
void PrintTo(const Environment& e, std::ostream* os) {
  *os << e.name;
}

class RealEnvironment : public ::testing::TestWithParam<Environment> {};

TEST_P(RealEnvironment, DeviationsAreExactlyTheExpectedOnes) {
  const Environment& env = GetParam();
  const std::string program = env.prefix.empty() ? "linux.uml" : env.prefix[0];
  if (!test::on_path(program))
    GTEST_SKIP() << program << " is not installed (Debian package " << env.package
                 << "; scripts/install-deps installs it)";
  if (env.needs_root && geteuid() != 0) GTEST_SKIP() << program << " runs as root here";
  if (env.needs_static_sigctx &&
      !std::filesystem::exists(std::string(SIGCTX_BINARY_DIR) + "/sigctx-static"))
    GTEST_SKIP() << "the static sigctx is not built (the default build's sigctx-static target)";
  const std::string file = ::testing::TempDir() + "/env-" + env.name + ".json";
  std::vector<std::string> argv = env.prefix;
  argv.insert(argv.end(), env.run.begin(), env.run.end());
  argv.insert(argv.end(), {"--json", file});
  const test::Outcome o = test::spawn_and_wait(argv);
  EXPECT_EQ(o.status, 0) << o.out << o.err;

  const auto j = nlohmann::json::parse(test::read_file(file));
  EXPECT_EQ(j["machine"]["environment"].value("kind", ""), env.kind)
      << "the fingerprint does not identify " << env.name << ": "
      << j["machine"]["environment"].dump();
  unsigned xfail = 0, from_own_file = 0, ran = 0;
  for (const auto& c : j["cases"]) {
    const std::string id = c["id"], status = c["status"];
    EXPECT_NE(status, "fail") << id << ": " << c["reason"];
    EXPECT_NE(status, "error") << id << ": " << c["reason"];
    if (status == "skip") {
      EXPECT_FALSE(c["reason"].get<std::string>().empty()) << id << " skips without a reason";
      continue;
    }
    ++ran;
    if (status != "xfail") continue;
    ++xfail;
    // Every excused deviation names the entry that excuses it and keeps what went wrong.
    const auto& e = c["expectation"];
    EXPECT_EQ(e["outcome"], "met") << id;
    EXPECT_FALSE(e["failure"].get<std::string>().empty()) << id;
    for (const auto& source : e["sources"]) {
      const std::string s = source;
      from_own_file += s.rfind(env.expectation_file + ":", 0) == 0;
      // The environment's own file, or what Linux and glibc promise wherever they run.
      EXPECT_TRUE(s.rfind(env.expectation_file + ":", 0) == 0 ||
                  s.rfind("builtin:linux.json:", 0) == 0 ||
                  s.rfind("builtin:linux-glibc.json:", 0) == 0)
          << id << " is excused by " << s;
    }
  }
  EXPECT_GT(ran, 50u) << "most cases must run, not skip";
  // The deviations were measured in this environment; if they vanish, the entries are stale.
  EXPECT_GT(xfail, 0u);
  EXPECT_GT(from_own_file, 0u);
}

INSTANTIATE_TEST_SUITE_P(Environments, RealEnvironment, ::testing::ValuesIn(environments()),
                         [](const auto& info) { return test::gtest_name(info.param.name); });

}  // namespace
}  // namespace sigctx
