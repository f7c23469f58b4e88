// A whole run: the tool, the machine's fingerprint, the options, every case result and the
// summary. Serialised as the `sigctx-result/1` JSON schema (results/sigctx-result-1.schema.json).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/case_result.h"

namespace sigctx {

constexpr const char* kResultSchema = "sigctx-result/1";

struct Summary {
  unsigned total = 0, pass = 0, fail = 0, skip = 0, xfail = 0, error = 0;
  uint64_t injections = 0;
  double duration_s = 0;
  void add(const CaseResult& r);
  bool ok() const { return fail == 0 && error == 0; }
};

struct RunResult {
  std::string version;
  std::string git_revision;
  nlohmann::json machine = nlohmann::json::object();
  nlohmann::json options = nlohmann::json::object();
  std::string started_at;  // ISO 8601, UTC
  std::vector<CaseResult> cases;
  Summary summary;
};

// Now as a run's started_at: ISO 8601, UTC, to the second.
std::string utc_timestamp_now();

nlohmann::json run_result_to_json(const RunResult& r);
// Reads a result file's JSON; *error names what is wrong.
bool run_result_from_json(const nlohmann::json& j, RunResult* r, std::string* error);

}  // namespace sigctx
