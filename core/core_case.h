// core/<variant>: a child holding its pattern takes a fatal SIGABRT at a known boundary (right
// after the hold's SYSCALL, a raw tgkill to itself); the kernel's core file must hold that
// state in NT_PRSTATUS, NT_PRFPREG and NT_X86_XSTATE.
#pragma once

#include <string>
#include <vector>

#include "runners/case.h"

namespace sigctx {

std::vector<CaseDescriptor> core_cases();

// Why the kernel's core files cannot be reached here, from core_pattern's text, or empty.
// Exposed for tests.
std::string core_pattern_unusable(const std::string& pattern);

}  // namespace sigctx
