// Shell completion for sigctx, generated from the option definitions themselves (sigctx
// completion bash|zsh): the commands, each command's options, and what each value takes by its
// name (runners/cli_metavars.h): case ids and catalog bugs from the registry, fault specs from
// the component table, file names for FILE. A new option is completed the day it is declared.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace sigctx {

// One option or positional argument of a command, as the completion sees it.
struct CompletedOption {
  std::vector<std::string> names;  // "-o", "--output"; a positional: its name
  std::string metavar;             // what its value is called; empty: a flag
  bool positional = false;
};

struct CompletedCommand {
  std::string name;
  std::vector<CompletedOption> options;  // visible ones, in definition order
};

// The visible commands and options of app (hidden ones, in group "", are internal).
std::vector<CompletedCommand> completed_commands(const CLI::App& app);

// What a value named metavar can be: words, and whether file or directory names fit too.
// Throws std::invalid_argument for a name this file has not decided on, so that a new one
// fails the completion tests rather than completing nothing unnoticed.
struct ValueWords {
  std::vector<std::string> words;
  bool files = false, dirs = false;
};
ValueWords value_words(const std::string& metavar);

// The script for shell "bash" or "zsh"; empty for any other shell.
std::string completion_script(const CLI::App& app, const std::string& shell);

// sigctx completion SHELL: prints the script; 2 for an unknown shell.
int completion_command(const CLI::App& app, const std::string& shell);

}  // namespace sigctx
