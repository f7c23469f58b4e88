// The signal mask half of a context's promise: getcontext records the mask and setcontext
// restores it (POSIX), whatever the code in between installed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/case_result.h"

namespace sigctx {

// "SIGWINCH SIG40": the blocked signals of a 64-bit mask, by name.
std::string describe_sigmask(uint64_t mask);

// A `context.sigmask` finding when the mask after the transition differs from the captured one.
std::optional<Finding> check_sigmask(uint64_t captured, uint64_t after, const std::string& where);

}  // namespace sigctx
