// The CLI as a user sees it: the commands and options sigctx's own --help lists (CLI11 writes it
// from the option definitions), for tests that hold the man page, the completion scripts and the
// option checks to every option there is.
#pragma once

#include <string>
#include <vector>

namespace sigctx::test {

struct HelpOption {
  std::string name;                // the long name ("--cases"), or a positional's name ("case")
  std::vector<std::string> names;  // every spelling ("-o", "--output")
  std::string metavar;             // what the value is called ("CASE", "UINT"); empty for a flag
  bool positional = false;
};

// `BINARY ARGS... --help`.
std::string help_of(const std::string& binary, const std::vector<std::string>& args);
// The rows of one section of a help text ("Options:", "Positionals:", "Subcommands:"): the
// words of each line that starts with two spaces and a name.
std::vector<std::vector<std::string>> help_section(const std::string& help,
                                                   const std::string& title);
// The commands `BINARY --help` lists.
std::vector<std::string> help_commands(const std::string& binary);
// A command's options and positionals, without --help.
std::vector<HelpOption> help_options(const std::string& binary, const std::string& command);

}  // namespace sigctx::test
