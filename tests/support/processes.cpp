#include "tests/support/processes.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace sigctx::test {

pid_t start_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& stdout_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1,
                                   stdout_path.empty() ? "/dev/null" : stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> environment(env);
  for (char** e = environ; e && *e; ++e)
    environment.emplace_back(*e);  // after `env`: the first of a name wins in getenv
  std::vector<char*> envp;
  for (std::string& e : environment)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

bool is_live(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("State:", 0) == 0) return line.find('Z') == std::string::npos;
  return false;  // gone
}

std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::stoi(name) == getpid() || !is_live(std::stoi(name))) continue;
    std::ifstream in(e.path() / "cmdline");
    std::stringstream s;
    s << in.rdbuf();
    if (s.str().find(needle) != std::string::npos) found.push_back(std::stoi(name));
  }
  return found;
}

pid_t parent_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("PPid:", 0) == 0) return std::stoi(line.substr(5));
  return -1;
}

bool wait_for(const std::function<bool()>& done, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

std::string describe_and_kill(const std::vector<pid_t>& pids) {
  std::string which;
  for (pid_t p : pids) {
    std::ifstream status("/proc/" + std::to_string(p) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("State:", 0) == 0 || line.rfind("PPid:", 0) == 0) which += " " + line;
    std::ifstream cmdline("/proc/" + std::to_string(p) + "/cmdline");
    std::string argv0;
    std::getline(cmdline, argv0, '\0');
    which += fmt::format(" {} (pid {});", argv0, p);
    kill(p, SIGKILL);
  }
  return which;
}

std::string kill_and_find_leftovers(pid_t pid, int sig, const std::string& needle, double seconds) {
  kill(pid, sig);
  waitpid(pid, nullptr, 0);
  if (wait_for([&] { return processes_mentioning(needle).empty(); }, seconds)) return "";
  const std::vector<pid_t> left = processes_mentioning(needle);
  return fmt::format("{} processes kept running:{}", left.size(), describe_and_kill(left));
}

std::vector<std::string> directory_entries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    names.push_back(e.path().filename().string());
  return names;
}

}  // namespace sigctx::test
