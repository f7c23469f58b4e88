// process/<mode>/<variant>: processes switched on one CPU (the cross-process canary).
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> process_cases();

}  // namespace sigctx
