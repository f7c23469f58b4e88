#include "results/run_result.h"

#include <ctime>

namespace sigctx {

std::string utc_timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void Summary::add(const CaseResult& r) {
  ++total;
  switch (r.status) {
    case Status::kPass:
      ++pass;
      break;
    case Status::kFail:
      ++fail;
      break;
    case Status::kSkip:
      ++skip;
      break;
    case Status::kXfail:
      ++xfail;
      break;
    case Status::kError:
      ++error;
      break;
  }
  injections += r.injections;
}

nlohmann::json run_result_to_json(const RunResult& r) {
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& c : r.cases)
    cases.push_back(case_result_to_json(c));
  return {
      {"schema", kResultSchema},
      {"tool", {{"name", "sigctx"}, {"version", r.version}, {"git_revision", r.git_revision}}},
      {"machine", r.machine},
      {"options", r.options},
      {"started_at", r.started_at},
      {"cases", cases},
      {"summary",
       {{"total", r.summary.total},
        {"pass", r.summary.pass},
        {"fail", r.summary.fail},
        {"skip", r.summary.skip},
        {"xfail", r.summary.xfail},
        {"error", r.summary.error},
        {"injections", r.summary.injections},
        {"duration_s", r.summary.duration_s}}},
  };
}

bool run_result_from_json(const nlohmann::json& j, RunResult* r, std::string* error) {
  try {
    if (j.at("schema").get<std::string>() != kResultSchema) {
      *error = "schema is " + j.at("schema").dump() + ", expected \"" + kResultSchema + "\"";
      return false;
    }
    r->version = j.at("tool").at("version").get<std::string>();
    r->git_revision = j.at("tool").value("git_revision", "");
    r->machine = j.at("machine");
    r->options = j.value("options", nlohmann::json::object());
    r->started_at = j.value("started_at", "");
    r->cases.clear();
    r->summary = {};
    for (const auto& c : j.at("cases")) {
      CaseResult cr;
      if (!case_result_from_json(c, &cr, error)) {
        *error = "case " + c.value("id", std::string("?")) + ": " + *error;
        return false;
      }
      r->summary.add(cr);
      r->cases.push_back(std::move(cr));
    }
    r->summary.duration_s = j.at("summary").value("duration_s", 0.0);
    return true;
  } catch (const nlohmann::json::exception& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace sigctx
