#include "tests/support/cli_help.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/spawn.h"

namespace sigctx::test {

namespace {

// A value's name is one upper-case word ("FILE", "BUG|CASE"); CLI11 appends a range to it
// ("UINT:UINT in [1 - 256]"). A flag's row goes on with its description, in lower case.
std::string metavar_in(const std::string& word) {
  const std::string t = word.substr(0, word.find(':'));
  if (t.empty() || t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ|") != std::string::npos)
    return "";
  return t;
}

}  // namespace

std::string help_of(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--help");
  const Outcome o = spawn_and_wait(argv);
  EXPECT_EQ(o.status, 0) << o.err;
  return o.out;
}

std::vector<std::vector<std::string>> help_section(const std::string& help,
                                                   const std::string& title) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(help);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == title) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.empty()) break;
    if (line.size() < 3 || line[0] != ' ' || line[1] != ' ' || line[2] == ' ') continue;
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;)
      row.push_back(w);
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> help_commands(const std::string& binary) {
  std::vector<std::string> out;
  for (const auto& row : help_section(help_of(binary, {}), "Subcommands:"))
    out.push_back(row[0]);
  return out;
}

std::vector<HelpOption> help_options(const std::string& binary, const std::string& command) {
  const std::string help = help_of(binary, {command});
  std::vector<HelpOption> out;
  for (const auto& row : help_section(help, "Options:")) {
    // "-o,--output": the long name.
    std::string name;
    std::vector<std::string> spellings;
    std::istringstream names(row[0]);
    for (std::string n; std::getline(names, n, ',');) {
      spellings.push_back(n);
      if (n.rfind("--", 0) == 0) name = n;
    }
    if (name.empty() || name == "--help") continue;
    out.push_back({name, spellings, row.size() > 1 ? metavar_in(row[1]) : "", false});
  }
  for (const auto& row : help_section(help, "Positionals:"))
    if (row.size() >= 2) out.push_back({row[0], {row[0]}, metavar_in(row[1]), true});
  return out;
}

}  // namespace sigctx::test
