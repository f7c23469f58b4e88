// The ptrace cases: read/<variant>, write/<variant>, write-init/<component>, bad-header/<kind>.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> ptrace_cases();

}  // namespace sigctx
