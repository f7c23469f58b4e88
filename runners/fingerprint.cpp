#include "runners/fingerprint.h"

#include "runners/executor.h"
#include "signal/frame_probe.h"

namespace sigctx {

Machine fingerprint_machine() {
  Machine m = probe_machine();
  CaseResult r = run_forked(
      [&m](CaseResult& out) {
        const SignalFrameFacts f = measure_signal_frame(m);
        out.facts = {{"measured", f.measured},
                     {"error", f.error},
                     {"frame_size", f.frame_size},
                     {"footprint", f.footprint},
                     {"has_xstate_magic", f.has_xstate_magic},
                     {"xstate_size", f.xstate_size},
                     {"extended_size", f.extended_size},
                     {"xfeatures", f.xfeatures},
                     {"xstate_bv", f.xstate_bv},
                     {"xcomp_bv", f.xcomp_bv}};
      },
      10.0);
  SignalFrameFacts& f = m.frame;
  if (r.status == Status::kError) {
    f.error = "frame probe: " + r.reason;
    return m;
  }
  const auto& j = r.facts;
  f.measured = j.value("measured", false);
  f.error = j.value("error", "");
  f.frame_size = j.value("frame_size", uint64_t{0});
  f.footprint = j.value("footprint", uint64_t{0});
  f.has_xstate_magic = j.value("has_xstate_magic", false);
  f.xstate_size = j.value("xstate_size", 0u);
  f.extended_size = j.value("extended_size", 0u);
  f.xfeatures = j.value("xfeatures", uint64_t{0});
  f.xstate_bv = j.value("xstate_bv", uint64_t{0});
  f.xcomp_bv = j.value("xcomp_bv", uint64_t{0});
  return m;
}

}  // namespace sigctx
