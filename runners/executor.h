// The forked executor: every case runs in its own child process, in its own process group,
// with a timeout, its stdout/stderr captured and its result sent back as JSON over a pipe. A
// case that crashes or hangs becomes an `error` result naming the signal or the timeout, and
// the run goes on. Up to `jobs` children run at once, from one single-threaded event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/case.h"

namespace sigctx {

struct Job {
  const CaseDescriptor* descriptor = nullptr;
  uint64_t seed = 0;
  unsigned iteration = 0;
};

struct ExecutorOptions {
  unsigned jobs = 1;
  double timeout_s = 30;
  size_t max_output_bytes = 64 * 1024;
};

// A case's time limit on machine m when --timeout does not set one: kDefaultCaseTimeoutS, scaled
// by how much slower than kReferenceDeliveryNs a signal delivery is there (at most
// kMostTimeoutScale times), so the slow deliveries of a sandbox or a nested hypervisor do not
// time out exhaustive sweeps that finish elsewhere.
constexpr double kDefaultCaseTimeoutS = 30;
constexpr double kReferenceDeliveryNs = 10000;
constexpr double kMostTimeoutScale = 10;
double case_timeout_s(const Machine& m);

// Runs every job; on_done is called once per job, in job order, as soon as the job and every
// job before it have finished. It stops early, returning why, when a case reports a usage error
// (CaseResult::usage_error) or the process limits leave no room for one case's process; the
// message names the case or the limit. Otherwise it returns "".
std::string execute(const std::vector<Job>& jobs, const Machine& m, const RunControls& controls,
                    const ExecutorOptions& opts,
                    const std::function<void(size_t, CaseResult&&)>& on_done);

// Runs fn in a forked child the same way (timeout, crash catching) and returns its result; for
// probes and tests.
CaseResult run_forked(const std::function<void(CaseResult&)>& fn, double timeout_s);

}  // namespace sigctx
