// process/fork/<variant> and process/fork-in-handler/<variant>: a raw fork system call inside
// the hold (or inside a signal handler that holds its own pattern); parent and child must both
// keep every component.
#pragma once

#include "engine/case.h"

namespace sigctx {

struct ForkCaseSpec {
  bool in_handler = false;
  ComponentMask components = 0;  // 0 = every available component
};

void run_fork_case(const ForkCaseSpec& spec, const CaseContext& ctx, CaseResult& r);

}  // namespace sigctx
