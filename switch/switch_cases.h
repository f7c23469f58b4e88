// switch/<mode>/<variant>: threads of one process switched on one CPU.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> switch_cases();
// switch/step-yield/<routine> (step_yield_cases.cpp).
std::vector<CaseDescriptor> step_yield_cases();

}  // namespace sigctx
