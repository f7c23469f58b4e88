// Running a command as the tests do: argv spawned (PATH searched), stdout and stderr captured
// through files, the exit status (128 + signal for a killed process) waited for.
#pragma once

#include <string>
#include <vector>

namespace sigctx::test {

struct Outcome {
  int status = -1;  // -1: could not be spawned
  std::string out, err;
};

Outcome spawn_and_wait(std::vector<std::string> argv);
std::string read_file(const std::string& path);
// Whether an executable of this name is on PATH (an environment a test can run under).
bool on_path(const std::string& name);

}  // namespace sigctx::test
