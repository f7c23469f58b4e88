// The descriptors of the components listed in components.inc, each defined in its own file
// beside this one.
#pragma once

#include "xstate/component.h"

namespace sigctx {

#define SIGCTX_COMPONENT(Name) extern const ComponentDescriptor k##Name##Component;
// Bound to the live machine's component without code of its own (xsave_other.h).
#define SIGCTX_BOUND_COMPONENT(Name) extern ComponentDescriptor k##Name##Component;
#include "xstate/components/components.inc"
#undef SIGCTX_COMPONENT
#undef SIGCTX_BOUND_COMPONENT

}  // namespace sigctx
