// ptrace/read and ptrace/write's standalone reproducer (engine/reproducer.h).
#pragma once

#include "engine/reproducer.h"
#include "engine/switch_variants.h"

namespace sigctx {

ReproducerPlan ptrace_reproducer(const SwitchVariant& v, bool writes);

}  // namespace sigctx
