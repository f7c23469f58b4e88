// The outcome of one case: status, the precise register diffs and other findings, and the
// command that reproduces it. Cases never print; they return this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xstate/diff.h"

namespace sigctx {

enum class Status : uint8_t { kPass, kFail, kSkip, kXfail, kError };
const char* status_name(Status s);
bool parse_status(std::string_view name, Status* out);

// A failed check that is not a register value: a frame ABI field, guard bytes, a count of
// delivered signals.
struct Finding {
  std::string check;    // "frame.magic2", "altstack.guard_below", "signals.delivered"
  std::string message;  // one sentence a kernel engineer can act on
  std::string expected;
  std::string actual;
};

// How a result was judged against the platform's expectations (results/expectations.h).
struct ExpectationVerdict {
  std::string expect;   // "pass", "fail" or "xfail"; empty when no entry applied
  std::string outcome;  // "met", "unexpected-pass", "not-covered" or "known-failure"
  std::string reason;   // the applied entries' reasons
  std::string reference;
  std::vector<std::string> sources;  // "builtin:qemu-user.json:23"
  std::string uncovered;             // what of a failure no entry explains ("not-covered")
  std::string failure;               // the failure's own summary, kept when it became an xfail
  bool applied() const { return !expect.empty(); }
};

struct CaseResult {
  std::string id;
  Status status = Status::kPass;
  std::string reason;  // why skip / error / xfail, or a one-line failure summary
  double duration_ms = 0;
  uint64_t injections = 0;  // transitions actually delivered (signals, ...)
  uint64_t seed = 0;
  unsigned iteration = 0;  // --repeat index
  std::vector<RegisterDiff> diffs;
  std::vector<Finding> findings;
  std::string reproduce;
  std::string reproduce_options;  // what the reproduce line needs beyond id and seed ("--at 17")
  // The command that writes the case as a standalone C program (sigctx reproduce), where its
  // family has one; empty otherwise.
  std::string reproducer;
  std::string output;  // the child's captured stdout/stderr, kept on error
  nlohmann::json facts = nlohmann::json::object();  // case-specific measurements
  ExpectationVerdict expectation;
  // Set when the case could not run as told for a reason outside the platform under test: a
  // value only it could check (--at beyond its boundaries), or a process limit it met (ulimit
  // -n, -u, -v). Not a verdict: the run stops with exit 2 and this message.
  std::string usage_error;

  bool failed() const { return !diffs.empty() || !findings.empty(); }
  void add_diffs(std::vector<RegisterDiff> more) {
    for (RegisterDiff& d : more)
      diffs.push_back(std::move(d));
  }
  // The verdict its diffs and findings give: fail when there is any, else pass.
  void set_verdict() { status = failed() ? Status::kFail : Status::kPass; }
  // The case reached no verdict, and says why: `return r.set_error(...)` in a case's run.
  void set_error(std::string why) {
    status = Status::kError;
    reason = std::move(why);
  }
};

nlohmann::json case_result_to_json(const CaseResult& r);
bool case_result_from_json(const nlohmann::json& j, CaseResult* r, std::string* error);

}  // namespace sigctx
