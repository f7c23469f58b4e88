// process/exec/<variant>: the exec'ing process holds its pattern in every register and calls
// execve from the hold; the new program's first instruction records what it found (the exec
// helper, exec_entry.S). It must find the documented initial state, and nothing of the
// process that exec'd it.
#pragma once

#include <vector>

#include "runners/case.h"

namespace sigctx {

std::vector<CaseDescriptor> exec_cases();

}  // namespace sigctx
