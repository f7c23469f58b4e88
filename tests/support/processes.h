// Starting sigctx in the background and finding what it left running: for the tests that kill
// it (issue 22, part 1). A process is found by its command line, which every forked descendant
// shares and an emulator's names its work files in.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace sigctx::test {

// Starts argv with stdout to `stdout_path` (/dev/null when empty), stderr to /dev/null and `env`
// ("NAME=value") added to this process's environment; its pid, or -1.
pid_t start_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                    const std::string& stdout_path = "");

// The parent of a live process, or -1.
pid_t parent_of(pid_t pid);

// Whether `pid` is a process that runs (not gone, not a zombie).
bool is_live(pid_t pid);

// Live processes (zombies aside) whose command line contains `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle);

// Polls `done` every 20 ms for up to `seconds`; its last answer.
bool wait_for(const std::function<bool()>& done, double seconds);

// "State: S PPid: 1 (pid 123); ..." for each pid, which it then kills: for a failure message
// that leaves nothing behind.
std::string describe_and_kill(const std::vector<pid_t>& pids);

// Sends `sig` to `pid`, reaps it, and waits up to `seconds` for every process mentioning
// `needle` to end. "" when none is left; otherwise how many and which (describe_and_kill).
std::string kill_and_find_leftovers(pid_t pid, int sig, const std::string& needle,
                                    double seconds = 10);

// The entries of a directory (none when it does not exist), by name.
std::vector<std::string> directory_entries(const std::string& dir);

}  // namespace sigctx::test
