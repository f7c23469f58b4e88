// signal/badframe/*: frames whose FPU header a handler broke before sigreturn.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> badframe_cases();

}  // namespace sigctx
