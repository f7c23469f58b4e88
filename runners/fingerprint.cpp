#include "runners/fingerprint.h"

#include <fmt/format.h>

#include "engine/frame_probe.h"
#include "platform/capability_probes.h"
#include "probes/xsave_layout.h"
#include "runners/executor.h"
#include "xstate/component_registry.h"
#include "xstate/components/xsave_other.h"

namespace sigctx {

const Machine& live_machine() {
  static const Machine m = [] {
    Machine live = probe_machine();
    bind_xsave_other(live);
    return live;
  }();
  return m;
}

namespace {

std::string g_usage_error;  // the first probe child that met a process limit

void keep_usage_error(const CaseResult& r, const char* probe) {
  if (g_usage_error.empty() && !r.usage_error.empty())
    g_usage_error = fmt::format("{}: {}", probe, r.usage_error);
}

}  // namespace

std::string fingerprint_usage_error() {
  return g_usage_error;
}

bool report_fingerprint_usage_error() {
  if (g_usage_error.empty()) return false;
  fmt::print(stderr, "sigctx: error: {}\n", g_usage_error);
  return true;
}

PlatformCapabilities measure_platform(const Machine& m) {
  constexpr double kProbeSeconds = 120;
  CaseResult r = run_forked(
      [&m](CaseResult& out) { out.facts = platform_to_json(probe_platform(m)); }, kProbeSeconds);
  keep_usage_error(r, "the platform probes");
  PlatformCapabilities p;
  std::string error;
  if (r.status == Status::kError) error = r.reason;
  if (error.empty() && platform_from_json(r.facts, &p, &error)) return p;
  // A probe that crashed or hung leaves every capability unprobed: the cases find out for
  // themselves, as they did before the probes.
  p = PlatformCapabilities{};
  for (const CapabilityField& f : capability_fields())
    p.*f.member = Capability::unprobed_because("the platform probes failed: " + error);
  return p;
}

const Machine& fingerprint_machine() {
  static const Machine measured = [] {
    Machine m = live_machine();
    CaseResult r = run_forked(
        [&m](CaseResult& out) { out.facts = signal_frame_to_json(measure_signal_frame(m)); }, 10.0);
    keep_usage_error(r, "the signal frame probe");
    std::string error;
    if (r.status == Status::kError)
      m.frame.error = "frame probe: " + r.reason;
    else if (!signal_frame_from_json(r.facts, &m.frame, &error))
      m.frame.error = "frame probe: " + error;
    m.platform = measure_platform(m);
    return m;
  }();
  return measured;
}

nlohmann::json fingerprint_to_json(const Machine& m) {
  nlohmann::json j = machine_to_json(m);
  nlohmann::json names = nlohmann::json::array();
  const uint64_t uncovered = uncovered_xcr0_components(m);
  for (unsigned i = 0; i < 64; ++i)
    if ((uncovered >> i) & 1) names.push_back(xsave_component_name(i));
  j["xsave"]["uncovered_components"] = names;
  return j;
}

}  // namespace sigctx
