// Running one registered case in-process through the forked executor, as the mutation tests do.
#pragma once

#include <string>

#include "engine/case.h"

namespace sigctx::test {

// This machine, probed once, with its platform's capabilities (runners/fingerprint.h).
const Machine& live_machine();

// Judges a result as `sigctx run` does, by the built-in expectation files for this machine.
void judge_by_builtin_expectations(CaseResult& r);

// Runs case `id` with seed 0x6a09e667 under the given --inject-fault text (empty: none) and
// injection overrides (and, for a profile's case, --duration), judged by the built-in expectation
// files as `sigctx run` judges; a case that is not registered or a fault that does not parse fails
// the calling test.
CaseResult run_case(const std::string& id, const std::string& fault_text,
                    const InjectionOverrides& injection = {}, unsigned timeout_s = 60,
                    const Emulation* emulation = nullptr, double duration_s = 0);
// The same on a given machine: this one with some probe's answer faked, say.
CaseResult run_case_on(const Machine& machine, const std::string& id, const std::string& fault_text,
                       const InjectionOverrides& injection = {}, unsigned timeout_s = 60,
                       const Emulation* emulation = nullptr, double duration_s = 0);

}  // namespace sigctx::test
