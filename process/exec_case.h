// process/exec/<variant>: the exec'ing process holds its pattern in every register and calls
// execve from the hold; the new program's first instruction records what it found (the exec
// helper, exec_entry.S). It must find the documented initial state, and nothing of the
// process that exec'd it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> exec_cases();

// The x86-64 psABI's process entry: rsp 16-byte aligned and pointing at argc (the helper runs
// with one argument). A finding (exec.entry_stack) otherwise. Exposed for the mutation tests.
std::optional<Finding> check_entry_stack(uint64_t rsp, uint64_t argc_at_rsp);

}  // namespace sigctx
