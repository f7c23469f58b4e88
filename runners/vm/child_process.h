// Runs a host program (an emulator, apt-get, dpkg-deb) in its own process group with a time
// limit, handing its output to the caller as it comes. On timeout the whole group is killed
// with SIGKILL: a hung bochs ignores SIGTERM.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sigctx {

struct ChildOutcome {
  bool started = false;
  std::string error;  // why it could not start
  bool timed_out = false;
  int exit_status = -1;  // when it exited
  int signal = 0;        // when a signal ended it
  double seconds = 0;
};

// stdin is /dev/null; stdout and stderr together go to on_output (nothing when it is empty:
// they go to /dev/null). timeout_s <= 0: no limit.
// stop_early, when given, is asked about once a second whether the child is done for (its group
// is then killed, as on timeout, but not counted as one).
// fd3, when >= 0, is an open file the child gets as its descriptor 3 (UML's ssl1=fd:3).
ChildOutcome run_child_process(const std::vector<std::string>& argv, double timeout_s,
                               const std::function<void(std::string_view)>& on_output,
                               const std::string& cwd = "",
                               const std::function<bool()>& stop_early = {}, int fd3 = -1);

// The path of `program` on PATH, or empty.
std::string find_program(const std::string& program);

}  // namespace sigctx
