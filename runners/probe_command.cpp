// `sigctx probe`: the machine's fingerprint, as text or JSON.
#include <fmt/format.h>

#include "runners/commands.h"
#include "runners/fingerprint.h"
#include "xstate/component_registry.h"

namespace sigctx {

int probe_command(bool json) {
  const Machine& m = fingerprint_machine();
  if (report_fingerprint_usage_error()) return kExitUsage;
  if (json)
    fmt::print("{}\n", fingerprint_to_json(m).dump(2));
  else
    fmt::print("{}XCR0 components no case covers yet: {}\n{}", machine_to_text(m),
               uncovered_xcr0_components(m) ? uncovered_xcr0_text(m) : "none",
               generic_xcr0_line(m));
  return kExitOk;
}

}  // namespace sigctx
