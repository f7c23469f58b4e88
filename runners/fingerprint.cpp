#include "runners/fingerprint.h"

#include "runners/executor.h"
#include "signal/frame_probe.h"

namespace sigctx {

Machine fingerprint_machine() {
  Machine m = probe_machine();
  CaseResult r = run_forked(
      [&m](CaseResult& out) { out.facts = signal_frame_to_json(measure_signal_frame(m)); }, 10.0);
  std::string error;
  if (r.status == Status::kError)
    m.frame.error = "frame probe: " + r.reason;
  else if (!signal_frame_from_json(r.facts, &m.frame, &error))
    m.frame.error = "frame probe: " + error;
  return m;
}

}  // namespace sigctx
