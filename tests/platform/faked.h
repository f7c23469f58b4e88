// This machine with one probe's answer replaced: the logic that depends on a platform finding is
// tested wherever the tests run, not only where the platform lacks something.
#pragma once

#include "probes/machine.h"
#include "tests/support/run_case.h"

namespace sigctx::test {

inline Machine with_capability(Capability PlatformCapabilities::*member, Capability c) {
  Machine m = live_machine();
  m.platform.probed = true;
  m.platform.*member = std::move(c);
  return m;
}

}  // namespace sigctx::test
