// signal/altstack/size: delivery on alternate stacks around the frame's size.
#pragma once

#include "engine/case.h"

namespace sigctx {

void run_altstack_size_case(const CaseContext& ctx, CaseResult& r);

}  // namespace sigctx
