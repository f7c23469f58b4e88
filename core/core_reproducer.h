// core/<variant>'s standalone reproducer (engine/reproducer.h).
#pragma once

#include "engine/reproducer.h"
#include "engine/switch_variants.h"

namespace sigctx {

// `pause_before_dump`: the control of core/pkru-switched, whose child sleeps between the load
// and the dump.
ReproducerPlan core_reproducer(const SwitchVariant& v, bool pause_before_dump = false);

}  // namespace sigctx
