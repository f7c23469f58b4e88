// The alloc family's profile case over Go's memclr under a SIGURG storm.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> go_preempt_cases();

}  // namespace sigctx
