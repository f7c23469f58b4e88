// The full machine fingerprint: the probes plus one real signal delivery, measured in a
// forked child so the runner's own signal state stays untouched.
#pragma once

#include "probes/machine.h"

namespace sigctx {

Machine fingerprint_machine();

}  // namespace sigctx
