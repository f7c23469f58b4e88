// platform/<capability>: each platform limit the probes find (platform/capability_probes.h) is
// reported once, here, as the deviation it is; the cases that depend on it fall back or skip
// naming it.
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> platform_cases();

}  // namespace sigctx
