// Every option of every command, read from the binary's own --help (which CLI11 writes from the
// option definitions, so a new option is covered the day it is declared), tried with a value
// missing, empty or really the next option, and numbers with NaN, infinity, negative, huge and
// non-numeric values. Each must exit 2 with a message naming the option (issue 22, part 4).
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/spawn.h"

namespace sigctx {
namespace {

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";

struct OptionSpec {
  std::string name;  // --long, or a positional's name
  std::string type;  // TEXT, UINT, INT, FLOAT
  bool positional = false;
};

std::string help_of(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kSigctx};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--help");
  const test::Outcome o = test::spawn_and_wait(argv);
  EXPECT_EQ(o.status, 0) << o.err;
  return o.out;
}

// The entries of one section ("Options:", "Positionals:", "Subcommands:") of a help text: each
// line that starts with two spaces and a name.
std::vector<std::vector<std::string>> section(const std::string& help, const std::string& title) {
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

bool is_type(const std::string& w) {
  const std::string t = w.substr(0, w.find(':'));
  return t == "TEXT" || t == "UINT" || t == "INT" || t == "FLOAT";
}

std::vector<OptionSpec> options_of(const std::string& command) {
  const std::string help = help_of({command});
  std::vector<OptionSpec> out;
  for (const auto& row : section(help, "Options:")) {
    if (row.size() < 2 || !is_type(row[1])) continue;  // a flag, or --help
    std::string names = row[0], name;
    for (size_t start = 0; start <= names.size();) {
      const size_t comma = std::min(names.find(',', start), names.size());
      const std::string n = names.substr(start, comma - start);
      if (n.rfind("--", 0) == 0) name = n;
      start = comma + 1;
    }
    out.push_back({name, row[1].substr(0, row[1].find(':')), false});
  }
  for (const auto& row : section(help, "Positionals:"))
    if (row.size() >= 2 && is_type(row[1])) out.push_back({row[0], row[1], true});
  return out;
}

// Arguments a command needs besides the one under test, so that the error is about that one.
// None of them is ever acted on: every row below fails while the options are parsed.
std::vector<std::string> required_besides(const std::string& command, const std::string& tested) {
  if (command == "soak" && tested != "--out") return {"--out", "/dev/null/soak"};
  if (command == "vm" && tested != "--kernel") return {"--kernel", "/nonexistent/bzImage"};
  if (command == "report" && tested != "--output") return {"-o", "/dev/null/out.md"};
  return {};
}

struct Trial {
  std::vector<std::string> argv;
  std::string names;  // what the message must contain
};

std::vector<Trial> trials_for(const std::string& command, const OptionSpec& o,
                              const std::vector<std::string>& prefix) {
  std::vector<std::string> values = {"", "--zzz"};
  if (o.type != "TEXT") values.insert(values.end(), {"nan", "inf", "-1", "1e400", "x", "1.5x"});
  if (o.type == "UINT" || o.type == "INT")
    values.insert(values.end(), {"99999999999999999999999", " 1", "1.5"});
  std::vector<Trial> out;
  auto base = [&] {
    std::vector<std::string> a = prefix;
    const auto req = required_besides(command, o.name);
    a.insert(a.end(), req.begin(), req.end());
    return a;
  };
  for (const std::string& v : values) {
    std::vector<std::string> a = base();
    if (o.positional) {
      // Positionals before them take valid-looking values.
      if (command == "compare" && o.name == "new") a.push_back("/nonexistent/old.json");
      a.push_back(v);
      if (command == "compare" && o.name == "old") a.push_back("/nonexistent/new.json");
    } else {
      a.insert(a.end(), {o.name, v});
    }
    // In a positional's place, "--zzz" is an unknown option, and is named as one.
    out.push_back({a, o.positional && v == "--zzz" ? "unknown option '--zzz'" : o.name});
  }
  if (!o.positional) {  // the value missing altogether: the option last
    std::vector<std::string> a = base();
    a.push_back(o.name);
    out.push_back({a, o.name});
  }
  return out;
}

TEST(CliTable, EveryOptionRefusesEveryBadValueNamingItself) {
  std::vector<std::string> commands;
  for (const auto& row : section(help_of({}), "Subcommands:"))
    commands.push_back(row[0]);
  ASSERT_GE(commands.size(), 9u) << "the subcommand list could not be read from --help";
  std::vector<Trial> trials;
  std::map<std::string, size_t> options_per_command;
  for (const std::string& command : commands) {
    for (const OptionSpec& o : options_of(command)) {
      ++options_per_command[command];
      for (Trial& t : trials_for(command, o, {command}))
        trials.push_back(std::move(t));
      // vm's and matrix's guest run options are parsed on their own, after `--`.
      if (command == "run" && !o.positional)
        for (Trial& t : trials_for("vm --", o, {"vm", "--kernel", "/nonexistent/bzImage", "--"}))
          trials.push_back(std::move(t));
    }
  }
  EXPECT_GE(options_per_command["run"], 12u);
  EXPECT_GE(options_per_command["vm"], 8u);
  size_t tried = 0;
  for (const Trial& t : trials) {
    std::vector<std::string> argv = {kSigctx};
    argv.insert(argv.end(), t.argv.begin(), t.argv.end());
    const test::Outcome o = test::spawn_and_wait(argv);
    std::string shown;
    for (const std::string& a : t.argv)
      shown += " '" + a + "'";
    EXPECT_EQ(o.status, 2) << "sigctx" << shown << "\n" << o.out << o.err;
    EXPECT_NE(o.err.find(t.names), std::string::npos)
        << "sigctx" << shown << ": the message does not name " << t.names << ":\n"
        << o.err;
    ++tried;
  }
  RecordProperty("command_lines_tried", static_cast<int>(tried));
  std::cout << tried << " command lines tried\n";
}

}  // namespace
}  // namespace sigctx
