// Descriptors of the built-in components, each defined in its own file beside this one.
#pragma once

#include "xstate/component.h"

namespace sigctx {

extern const ComponentDescriptor kGprComponent;
extern const ComponentDescriptor kRflagsComponent;
extern const ComponentDescriptor kX87Component;
extern const ComponentDescriptor kMxcsrComponent;
extern const ComponentDescriptor kSseComponent;
extern const ComponentDescriptor kAvxComponent;
extern const ComponentDescriptor kOpmaskComponent;
extern const ComponentDescriptor kZmmHi256Component;
extern const ComponentDescriptor kHi16ZmmComponent;
extern const ComponentDescriptor kPkruComponent;
extern const ComponentDescriptor kFsbaseComponent;
extern const ComponentDescriptor kGsbaseComponent;
extern const ComponentDescriptor kAmxTilecfgComponent;
extern const ComponentDescriptor kAmxTiledataComponent;
// Bound to the live machine's component without code of its own (xsave_other.h).
extern ComponentDescriptor kXsaveOtherComponent;

}  // namespace sigctx
