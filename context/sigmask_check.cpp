#include "context/sigmask_check.h"

#include <signal.h>
#include <string.h>

#include <fmt/format.h>

namespace sigctx {

std::string describe_sigmask(uint64_t mask) {
  std::string out;
  for (int sig = 1; sig <= 64; ++sig) {
    if (!((mask >> (sig - 1)) & 1)) continue;
    if (!out.empty()) out += ' ';
#if defined(__GLIBC__)
    const char* abbrev = sig < 32 ? sigabbrev_np(sig) : nullptr;
#else
    const char* abbrev = nullptr;
#endif
    out += abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
  }
  return out.empty() ? "none" : out;
}

std::optional<Finding> check_sigmask(uint64_t captured, uint64_t after, const std::string& where) {
  if (captured == after) return std::nullopt;
  return Finding{
      "context.sigmask",
      fmt::format("the signal mask {} is not the one the context was captured with: "
                  "{} blocked, {} unblocked",
                  where, describe_sigmask(after & ~captured), describe_sigmask(captured & ~after)),
      fmt::format("{:#x} ({})", captured, describe_sigmask(captured)),
      fmt::format("{:#x} ({})", after, describe_sigmask(after))};
}

}  // namespace sigctx
