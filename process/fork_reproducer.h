// process/fork's standalone reproducer (engine/reproducer.h).
#pragma once

#include "engine/reproducer.h"
#include "engine/switch_variants.h"

namespace sigctx {

ReproducerPlan fork_reproducer(const SwitchVariant& v);

}  // namespace sigctx
