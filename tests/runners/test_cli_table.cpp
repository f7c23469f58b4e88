// Every option of every command, read from the binary's own --help (which CLI11 writes from the
// option definitions, so a new option is covered the day it is declared), tried with a value
// missing, empty or really the next option, and numbers with NaN, infinity, negative, huge and
// non-numeric values. Each must exit 2 with a message naming the option (issue 22, part 4).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/support/cli_help.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

const std::string kSigctx = std::string(SIGCTX_BINARY_DIR) + "/sigctx";

struct OptionSpec {
  std::string name;  // --long, or a positional's name
  std::string type;  // what the value is called: FILE, UINT, INT, FLOAT...
  bool positional = false;
};

// The options of a command that take a value.
std::vector<OptionSpec> options_of(const std::string& command) {
  std::vector<OptionSpec> out;
  for (const test::HelpOption& o : test::help_options(kSigctx, command))
    if (!o.metavar.empty()) out.push_back({o.name, o.metavar, o.positional});
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
  const bool number = o.type == "UINT" || o.type == "INT" || o.type == "FLOAT";
  if (number) values.insert(values.end(), {"nan", "inf", "-1", "1e400", "x", "1.5x"});
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
  const std::vector<std::string> commands = test::help_commands(kSigctx);
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
