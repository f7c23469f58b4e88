// Signal cases: signal/<transition>/<variant> for every transition (sync, async, frame, edit,
// nested, altstack) and every variant (each component, all of them together, and the special
// shapes), plus signal/altstack/size.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> signal_cases();

}  // namespace sigctx
