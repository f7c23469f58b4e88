// alloc/os-zero/<source>: memory the OS (or libc) must hand out zeroed, checked while another
// process keeps filling pages with its pattern and freeing them, so a page that reaches us
// unzeroed decodes to that process ("xmm3 lane 1 of process 1's pattern").
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> os_zero_cases();

}  // namespace sigctx
