// Context cases: context/<transition>/<variant> for each user-context transition (setcontext,
// swapcontext, handler-setcontext, handler-swapcontext, thread) and each component but RFLAGS,
// plus all of them together.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> context_cases();

}  // namespace sigctx
