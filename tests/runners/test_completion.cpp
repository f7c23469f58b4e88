// sigctx completion bash|zsh. Bash's function is called the way bash calls it (COMP_LINE,
// COMP_POINT, COMP_WORDBREAKS); zsh's is driven through a real interactive zsh on a
// pseudo-terminal, keys and all. The candidates are held to --help and to the registry, so the
// scripts cannot drift from the CLI they are written from (issue 25, part 3).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "runners/bug_catalog.h"
#include "runners/case_registry.h"
#include "runners/completion.h"
#include "tests/support/cli_help.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";
const std::string kDefaultWordBreaks = " \t\n\"'><=;|&(:";

using Words = std::set<std::string>;

class Completion : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new test::ScratchDir("completion");
    for (const char* shell : {"bash", "zsh"}) {
      const test::Outcome o = test::spawn_and_wait({kSigctx, "completion", shell});
      ASSERT_EQ(o.status, 0) << o.err;
      std::ofstream(scratch_->path(std::string("sigctx.") + shell)) << o.out;
    }
  }
  static void TearDownTestSuite() { delete scratch_; }

  // What bash's completion offers with the cursor at the end of line.
  static Words bash(const std::string& line, const std::string& word_breaks = kDefaultWordBreaks) {
    const std::string script =
        "source \"$1\" && complete -p sigctx >/dev/null || exit 3\n"
        "COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; COMP_WORDBREAKS=$3\n"
        "_sigctx\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    const test::Outcome o =
        test::spawn_and_wait({"bash", "--norc", "--noprofile", "-c", script, "bash",
                              scratch_->path("sigctx.bash"), line, word_breaks});
    EXPECT_EQ(o.status, 0) << line << "\n" << o.err;
    Words out;
    size_t start = 0;
    for (size_t nl; (nl = o.out.find('\n', start)) != std::string::npos; start = nl + 1)
      if (nl > start) out.insert(o.out.substr(start, nl - start));
    return out;
  }

  static test::ScratchDir* scratch_;
};

test::ScratchDir* Completion::scratch_ = nullptr;

Words ids_starting(const std::string& prefix) {
  Words out;
  for (const CaseDescriptor& c : all_cases())
    if (c.id.rfind(prefix, 0) == 0) out.insert(c.id);
  return out;
}

TEST_F(Completion, OffersEveryCommandAndEachCommandsOwnOptions) {
  Words commands = {"--help", "--version"};
  for (const std::string& c : test::help_commands(kSigctx))
    commands.insert(c);
  ASSERT_GE(commands.size(), 13u);
  EXPECT_EQ(bash("sigctx "), commands);
  EXPECT_EQ(bash("sigctx re"), (Words{"reproduce", "report"}));
  for (const std::string& command : test::help_commands(kSigctx)) {
    Words options = {"--help"};
    for (const test::HelpOption& o : test::help_options(kSigctx, command))
      if (!o.positional) options.insert(o.name);
    EXPECT_EQ(bash("sigctx " + command + " --"), options) << command;
  }
  EXPECT_EQ(bash("sigctx run --inj"), (Words{"--inject-fault", "--injector"}));
  EXPECT_EQ(bash("sigctx vm --inj"), Words{}) << "vm has no such option of its own";
}

TEST_F(Completion, CaseIdsAndCatalogBugsComeFromTheRegistry) {
  ASSERT_GE(ids_starting("signal/sync/a").size(), 3u);
  EXPECT_EQ(bash("sigctx run --cases signal/sync/a"), ids_starting("signal/sync/a"));
  EXPECT_EQ(bash("sigctx list --cases=process/"), ids_starting("process/"));
  EXPECT_EQ(bash("sigctx reproduce switch/yield/"), ids_starting("switch/yield/"));
  Words linux_bugs;
  for (const BugEntry& b : bug_catalog())
    if (std::string(b.id).rfind("linux-", 0) == 0) linux_bugs.insert(std::string(b.id));
  ASSERT_GE(linux_bugs.size(), 4u);
  EXPECT_EQ(bash("sigctx run --emulate linux-"), linux_bugs);
  EXPECT_EQ(bash("sigctx explain zen"), Words{"zenbleed"});
  EXPECT_EQ(bash("sigctx run --profile g"), Words{"go-preempt"});
  EXPECT_EQ(bash("sigctx run --injector h"), Words{"hwbp"});
  EXPECT_EQ(bash("sigctx completion "), (Words{"bash", "zsh"}));
}

// Bash replaces only what follows the last word-break character (':' and '=' are among them by
// default), so what precedes it must not be offered again.
TEST_F(Completion, ValuesWithColonsAndEqualsCompleteAsBashReplacesThem) {
  EXPECT_EQ(bash("sigctx run --inject-fault avx:ymm1:b"), Words{"bitflip"});
  EXPECT_EQ(bash("sigctx run --inject-fault=avx:ymm1:b"), Words{"bitflip"});
  EXPECT_EQ(bash("sigctx reproduce --inject-fault gu"), Words{"guard"});
  EXPECT_EQ(bash("sigctx vm --kernel debian:6.12-r"), Words{"6.12-rt"});
  const std::string no_colon = " \t\n\"'><=;|&(";
  EXPECT_EQ(bash("sigctx vm --kernel debian:6.12-r", no_colon), Words{"debian:6.12-rt"});
  const std::string no_equals = " \t\n\"'><;|&(:";
  EXPECT_EQ(bash("sigctx run --emulate=zen", no_equals), Words{"--emulate=zenbleed"});
}

TEST_F(Completion, FileAndDirectoryValuesCompleteNames) {
  test::ScratchDir d("completion-files");
  std::ofstream(d.path("result-one.json")) << "{}";
  std::ofstream(d.path("summary.txt")) << "";
  std::filesystem::create_directory(d.path("sub"));
  EXPECT_EQ(bash("sigctx compare " + d.path("result-o")), Words{d.path("result-one.json")});
  EXPECT_EQ(bash("sigctx run --json " + d.path("s")),
            (Words{d.path("summary.txt"), d.path("sub")}));
  EXPECT_EQ(bash("sigctx soak --out " + d.path("s")), Words{d.path("sub")});
  EXPECT_EQ(bash("sigctx run --seed " + d.path("s")), Words{}) << "a seed is no file";
}

TEST_F(Completion, TheGuestsRunOptionsFollowDoubleDash) {
  EXPECT_EQ(bash("sigctx vm --kernel debian:6.12 -- --inj"),
            (Words{"--inject-fault", "--injector"}));
  EXPECT_EQ(bash("sigctx matrix -- --cases signal/sync/a"), ids_starting("signal/sync/a"));
  EXPECT_EQ(bash("sigctx vm --emulator b"), Words{"bochs"});
}

TEST_F(Completion, AnUnknownShellIsAUsageError) {
  const test::Outcome o = test::spawn_and_wait({kSigctx, "completion", "fish"});
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("unknown shell 'fish' (bash or zsh)"), std::string::npos) << o.err;
}

// A value name nobody decided on must fail here, not complete nothing unnoticed.
TEST_F(Completion, EveryValueNameTheCliUsesIsDecided) {
  EXPECT_THROW(value_words("NEWTHING"), std::invalid_argument);
  size_t names = 0;
  for (const std::string& command : test::help_commands(kSigctx))
    for (const test::HelpOption& o : test::help_options(kSigctx, command))
      if (!o.metavar.empty()) {
        EXPECT_NO_THROW(value_words(o.metavar)) << command << " " << o.name;
        ++names;
      }
  EXPECT_GE(names, 30u);
}

// Keys typed into an interactive zsh with compinit: each line is completed with TAB and run
// against a stub sigctx that prints its arguments.
TEST_F(Completion, ZshCompletesInAnInteractiveShell) {
  if (!test::on_path("zsh")) GTEST_SKIP() << "zsh is not installed";
  std::filesystem::create_directories(scratch_->path("zfunc"));
  std::filesystem::copy_file(scratch_->path("sigctx.zsh"), scratch_->path("zfunc/_sigctx"),
                             std::filesystem::copy_options::overwrite_existing);
  const std::string driver = R"ZSH(
zmodload zsh/zpty
zpty z 'env TERM=dumb HOME=/nonexistent zsh -f -i'
zpty -w z "fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; sigctx() { print -r -- \"ARGS:\$*:\"; }"
zpty -w -n z $'sigctx expl\tzen\t\n'
zpty -w -n z $'sigctx run --injector h\t\n'
zpty -w -n z $'sigctx run --inject-fault avx:ymm1:bi\t\n'
zpty -w -n z $'sigctx run --cases=signal/sync/mx\t\n'
zpty -w -n z $'sigctx vm --kernel debian:6.12-r\t\n'
zpty -w z 'exit'
local out all
while zpty -r z out; do all+=$out; done
print -r -- "$all"
)ZSH";
  const test::Outcome o = test::spawn_and_wait(
      {"timeout", "60", "zsh", "-f", "-c", driver, "zsh", scratch_->path("zfunc")});
  for (const char* line :
       {"ARGS:explain zenbleed:", "ARGS:run --injector hwbp:",
        "ARGS:run --inject-fault avx:ymm1:bitflip:", "ARGS:run --cases=signal/sync/mxcsr:",
        "ARGS:vm --kernel debian:6.12-rt:"})
    EXPECT_NE(o.out.find(line), std::string::npos) << line << "\n" << o.out << o.err;
}

}  // namespace
}  // namespace sigctx
