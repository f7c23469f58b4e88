// switch/yield's standalone reproducer (engine/reproducer.h).
#pragma once

#include "engine/reproducer.h"
#include "engine/switch_variants.h"

namespace sigctx {

ReproducerPlan yield_reproducer(const SwitchVariant& v);

}  // namespace sigctx
