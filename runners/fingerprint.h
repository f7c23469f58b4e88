// The full machine fingerprint: the probes plus one real signal delivery, measured in a
// forked child so the runner's own signal state stays untouched.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "probes/machine.h"

namespace sigctx {

// The live machine's probes, with the component table bound to it (xsave_other takes the XCR0
// user component without code of its own): what list, explain and every run start from. Probed
// once per process: main() does it before any case list is built, the commands reuse it.
const Machine& live_machine();
// live_machine plus the measured signal frame and the platform's capabilities, each measured
// in a forked child; measured once per process, the first time it is asked for (after the
// command line is read: SIGCTX_HANDLER_DELAY_US must be in force).
const Machine& fingerprint_machine();
// Why fingerprint_machine could not probe for want of a resource (ulimit -n, -u, -v): a probe
// child that could not start, or one that met the limit itself. Empty when it probed. The
// commands stop with exit 2 on it rather than report an unprobed machine.
std::string fingerprint_usage_error();
// Prints fingerprint_usage_error() as sigctx's error, if any; whether there was one.
bool report_fingerprint_usage_error();
// The platform probes of m (platform/capability_probes.h), run in a forked child so that their
// handlers, threads and tracees stay out of the caller; never probed when they cannot run.
PlatformCapabilities measure_platform(const Machine& m);
// machine_to_json plus what only the component table knows: xsave.uncovered_components, the
// XCR0 components no case loads or checks yet (names, lowest bit first).
nlohmann::json fingerprint_to_json(const Machine& m);

}  // namespace sigctx
