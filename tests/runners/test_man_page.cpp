// docs/sigctx.1, rendered by groff as `man sigctx` shows it, held to the binary's own --help:
// every command has a synopsis and a section, every option of every command is in both with
// its value's name, and nothing the man page names is missing from the CLI (issue 25, part 2).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_help.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";
const std::string kManPage = std::string(SIGCTX_SOURCE_DIR) + "/docs/sigctx.1";

// The page as plain text, one line per paragraph line, never wrapped or hyphenated.
struct RenderedPage {
  // Section title ("SYNOPSIS") -> its lines; subsection titles are lines indented by three.
  std::map<std::string, std::vector<std::string>> sections;
  std::string text;
};

RenderedPage render() {
  const test::Outcome o = test::spawn_and_wait(
      {"groff", "-man", "-Tascii", "-rLL=4000n", "-rHY=0", "-P-cbou", kManPage});
  EXPECT_EQ(o.status, 0) << o.err;
  RenderedPage page;
  page.text = o.out;
  std::istringstream in(o.out);
  std::string current;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ' && line.find("SIGCTX(1)") == std::string::npos)
      current = line;
    else if (!current.empty())
      page.sections[current].push_back(line);
  }
  return page;
}

// "sigctx run [--cases CASE] ..." -> {"--cases": "CASE", ...}; flags map to "".
std::map<std::string, std::string> options_named_in(const std::string& text) {
  static const std::regex option(
      R"((?:^|[\s\[])(-{1,2}[a-z][a-z0-9-]*)(?: ([A-Z][A-Z|]*)(?=$|[\s\]]))?)");
  std::map<std::string, std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), option), end; it != end; ++it)
    out[(*it)[1]] = (*it)[2];
  return out;
}

// The synopsis line of each command ("probe" -> "sigctx probe [--json]").
std::map<std::string, std::string> synopses(const RenderedPage& page) {
  std::map<std::string, std::string> out;
  for (const std::string& line : page.sections.at("SYNOPSIS")) {
    std::istringstream words(line);
    std::string sigctx, command;
    if (words >> sigctx >> command && sigctx == "sigctx") out[command] = line;
  }
  return out;
}

// The option tags of each subsection of COMMANDS ("sigctx run" -> {"--cases": "CASE"}): lines
// indented by seven that start with an option, "-o, --output FILE" giving both spellings.
std::map<std::string, std::map<std::string, std::string>> described_options(
    const RenderedPage& page) {
  static const std::regex tag(
      R"(^       (-{1,2}[a-z][a-z0-9-]*)(?:, (--[a-z][a-z0-9-]*))?(?: ([A-Z][A-Z|]*)(?=$|\s))?)");
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string sub;
  for (const std::string& line : page.sections.at("COMMANDS")) {
    if (line.rfind("   sigctx ", 0) == 0) sub = line.substr(3);
    std::smatch m;
    if (sub.empty() || !std::regex_search(line, m, tag)) continue;
    out[sub][m[1]] = m[3];
    if (m[2].matched) out[sub][m[2]] = m[3];
  }
  return out;
}

// The spellings of an option a command has, mapped to its long name.
std::map<std::string, test::HelpOption> spellings_of(const std::string& command) {
  std::map<std::string, test::HelpOption> out;
  for (const test::HelpOption& o : test::help_options(kSigctx, command))
    if (!o.positional)
      for (const std::string& n : o.names)
        out[n] = o;
  return out;
}

TEST(ManPage, GroffRendersItWithoutAWarning) {
  const test::Outcome o = test::spawn_and_wait({"groff", "-man", "-ww", "-z", kManPage});
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.err, "") << "groff's warnings on docs/sigctx.1";
  const RenderedPage page = render();
  for (const char* title : {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "FAULT SPECIFICATIONS",
                            "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"})
    EXPECT_TRUE(page.sections.count(title)) << "no " << title << " section";
}

// Both ways: what the CLI has is in the synopsis with its value's name, and what the synopsis
// names is in the CLI. soak's synopsis says "[run options]" for the options it shares with run.
TEST(ManPage, EachSynopsisNamesExactlyItsCommandsOptions) {
  const std::map<std::string, std::string> synopsis = synopses(render());
  const std::vector<std::string> commands = test::help_commands(kSigctx);
  const auto run_options = spellings_of("run");
  ASSERT_GE(commands.size(), 11u);
  for (const std::string& command : commands) {
    ASSERT_TRUE(synopsis.count(command)) << "no synopsis of sigctx " << command;
    const std::string& line = synopsis.at(command);
    const auto cli = spellings_of(command);
    std::map<std::string, std::string> expected;  // long name -> value name
    for (const test::HelpOption& o : test::help_options(kSigctx, command)) {
      if (o.positional) {
        EXPECT_TRUE(line.find(" " + o.metavar) != std::string::npos ||
                    line.find("[" + o.metavar + "]") != std::string::npos)
            << command << ": the synopsis lacks its argument " << o.metavar << ":\n"
            << line;
        continue;
      }
      if (command == "soak" && run_options.count(o.name)) continue;
      expected[o.name] = o.metavar;
    }
    if (command == "soak") {
      EXPECT_NE(line.find("[run options]"), std::string::npos) << line;
    }
    std::map<std::string, std::string> named;
    for (const auto& [spelling, value] : options_named_in(line)) {
      const auto it = cli.find(spelling);
      EXPECT_NE(it, cli.end()) << "the synopsis of sigctx " << command << " names " << spelling
                               << ", which it does not have";
      if (it != cli.end()) named[it->second.name] = value;
    }
    EXPECT_EQ(named, expected) << "sigctx " << command << " (option -> value name)";
  }
}

// The page describes soak's run options under run, and matrix's guest options under vm, as its
// text says; the synopsis test holds that soak and matrix have them.
std::string shares_with(const std::string& command) {
  if (command == "soak") return "run";
  if (command == "matrix") return "vm";
  return command;
}

// Every option has a paragraph under its command, or under the command it shares it with.
TEST(ManPage, EveryOptionIsDescribedUnderItsCommand) {
  const auto described = described_options(render());
  for (const std::string& command : test::help_commands(kSigctx)) {
    ASSERT_TRUE(described.count("sigctx " + command) || command == "explain" ||
                command == "compare" || command == "completion")
        << "no options described under sigctx " << command;
    const auto cli = spellings_of(command);
    const auto own = described.count("sigctx " + command) ? described.at("sigctx " + command)
                                                          : std::map<std::string, std::string>{};
    for (const auto& [tag, value] : own)
      EXPECT_TRUE(cli.count(tag)) << "sigctx " << command << " describes " << tag
                                  << ", which it does not have";
    for (const test::HelpOption& o : test::help_options(kSigctx, command)) {
      if (o.positional) continue;
      bool found = false;
      for (const std::string& where : {command, shares_with(command)}) {
        const auto section = described.find("sigctx " + where);
        if (section == described.end() || !section->second.count(o.name)) continue;
        found = true;
        EXPECT_EQ(section->second.at(o.name), o.metavar) << section->first << " " << o.name;
      }
      EXPECT_TRUE(found) << "sigctx " << command << " " << o.name << " is described nowhere";
    }
  }
}

// Every environment variable the sources read is in ENVIRONMENT.
TEST(ManPage, EveryEnvironmentVariableSigctxReadsIsDocumented) {
  const RenderedPage page = render();
  std::string environment;
  for (const std::string& line : page.sections.at("ENVIRONMENT"))
    environment += line + "\n";
  static const std::regex read(R"re(getenv\("([A-Z_]+)"\)|Env = "([A-Z_]+)")re");
  std::set<std::string> names;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(SIGCTX_SOURCE_DIR))) {
    const std::string path = entry.path().string();
    if (path.find("/tests/") != std::string::npos || path.find("/build") != std::string::npos ||
        path.find("/bench/") != std::string::npos || path.find("/.git/") != std::string::npos ||
        (entry.path().extension() != ".cpp" && entry.path().extension() != ".h"))
      continue;
    const std::string source = test::read_file(path);
    for (std::sregex_iterator it(source.begin(), source.end(), read), end; it != end; ++it)
      names.insert((*it)[1].matched ? (*it)[1] : (*it)[2]);
  }
  EXPECT_GE(names.size(), 5u);
  for (const std::string& name : names)
    EXPECT_TRUE(std::regex_search(environment, std::regex("(^|\n)       " + name + "( |\n)")))
        << name << " is read by sigctx but not in the man page's ENVIRONMENT";
}

TEST(ManPage, NamesThisVersionAndGivesAnExampleForEachUse) {
  const RenderedPage page = render();
  const test::Outcome v = test::spawn_and_wait({kSigctx, "--version"});
  const std::string version = v.out.substr(0, v.out.find(" ("));  // "sigctx 0.1.0"
  EXPECT_NE(page.text.find(version), std::string::npos) << "the page is not for " << version;
  std::set<std::string> uses;
  for (const std::string& line : page.sections.at("EXAMPLES"))
    if (line.rfind("   ", 0) == 0 && line.size() > 3 && line[3] != ' ') uses.insert(line.substr(3));
  for (const char* use :
       {"New hardware", "A kernel change", "Bisecting a regression", "CI", "Runtime authors"})
    EXPECT_TRUE(uses.count(use)) << "no example for " << use;
}

}  // namespace
}  // namespace sigctx
