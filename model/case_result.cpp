#include "model/case_result.h"

#include <fmt/format.h>

namespace sigctx {

const char* status_name(Status s) {
  switch (s) {
    case Status::kPass:
      return "pass";
    case Status::kFail:
      return "fail";
    case Status::kSkip:
      return "skip";
    case Status::kXfail:
      return "xfail";
    case Status::kError:
      return "error";
  }
  return "error";
}

bool parse_status(std::string_view name, Status* out) {
  for (Status s : {Status::kPass, Status::kFail, Status::kSkip, Status::kXfail, Status::kError})
    if (name == status_name(s)) {
      *out = s;
      return true;
    }
  return false;
}

nlohmann::json case_result_to_json(const CaseResult& r) {
  nlohmann::json diffs = nlohmann::json::array();
  for (const auto& d : r.diffs)
    diffs.push_back(diff_to_json(d));
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : r.findings)
    findings.push_back({{"check", f.check},
                        {"message", f.message},
                        {"expected", f.expected},
                        {"actual", f.actual}});
  nlohmann::json expectation = nullptr;
  if (r.expectation.applied()) {
    const ExpectationVerdict& e = r.expectation;
    expectation = {{"expect", e.expect},       {"outcome", e.outcome}, {"reason", e.reason},
                   {"reference", e.reference}, {"sources", e.sources}, {"uncovered", e.uncovered},
                   {"failure", e.failure}};
  }
  nlohmann::json j = {
      {"id", r.id},
      {"status", status_name(r.status)},
      {"reason", r.reason},
      {"duration_ms", r.duration_ms},
      {"injections", r.injections},
      {"seed", fmt::format("{:#x}", r.seed)},
      {"iteration", r.iteration},
      {"diffs", diffs},
      {"findings", findings},
      {"reproduce", r.reproduce},
      {"reproduce_options", r.reproduce_options},
      {"output", r.output},
      {"facts", r.facts},
      {"expectation", expectation},
  };
  if (!r.usage_error.empty()) j["usage_error"] = r.usage_error;
  if (!r.reproducer.empty()) j["reproducer"] = r.reproducer;
  return j;
}

bool case_result_from_json(const nlohmann::json& j, CaseResult* r, std::string* error) {
  try {
    r->id = j.at("id").get<std::string>();
    if (!parse_status(j.at("status").get<std::string>(), &r->status)) {
      *error = "unknown status " + j.at("status").dump();
      return false;
    }
    // What the schema says of the members a reader computes with: nlohmann would convert a
    // negative or fractional count, and stoull reads "0xzz" as 0.
    for (const char* count : {"injections", "iteration"})
      if (j.contains(count) && !j[count].is_number_unsigned()) {
        *error =
            fmt::format("\"{}\" must be a whole number from 0, not {}", count, j[count].dump());
        return false;
      }
    if (j.contains("duration_ms") && (!j["duration_ms"].is_number() || j["duration_ms"] < 0)) {
      *error = "\"duration_ms\" must be a number from 0, not " + j["duration_ms"].dump();
      return false;
    }
    if (j.contains("seed")) {
      const auto& seed = j["seed"];
      const bool hex =
          seed.is_string() && seed.get<std::string>().size() > 2 &&
          seed.get<std::string>().size() <= 18 && seed.get<std::string>().rfind("0x", 0) == 0 &&
          seed.get<std::string>().find_first_not_of("0123456789abcdef", 2) == std::string::npos;
      if (!hex) {
        *error = "\"seed\" must be 0x and up to 16 lower-case hex digits, not " + seed.dump();
        return false;
      }
    }
    if (j.contains("facts") && !j["facts"].is_object()) {
      *error = "\"facts\" must be an object, not " + j["facts"].dump();
      return false;
    }
    if (j.contains("usage_error") && !j["usage_error"].is_string()) {
      *error = "\"usage_error\" must be a string, not " + j["usage_error"].dump();
      return false;
    }
    r->usage_error = j.value("usage_error", "");
    r->reason = j.value("reason", "");
    r->duration_ms = j.value("duration_ms", 0.0);
    r->injections = j.value("injections", uint64_t{0});
    r->seed = std::stoull(j.value("seed", std::string("0")), nullptr, 0);
    r->iteration = j.value("iteration", 0u);
    r->diffs.clear();
    for (const auto& d : j.value("diffs", nlohmann::json::array())) {
      RegisterDiff rd;
      if (!diff_from_json(d, &rd, error)) return false;
      r->diffs.push_back(std::move(rd));
    }
    r->findings.clear();
    for (const auto& f : j.value("findings", nlohmann::json::array()))
      r->findings.push_back({f.value("check", ""), f.value("message", ""), f.value("expected", ""),
                             f.value("actual", "")});
    r->reproduce = j.value("reproduce", "");
    r->reproduce_options = j.value("reproduce_options", "");
    r->reproducer = j.value("reproducer", "");
    r->output = j.value("output", "");
    r->facts = j.value("facts", nlohmann::json::object());
    r->expectation = {};
    if (const auto e = j.find("expectation"); e != j.end() && !e->is_null()) {
      ExpectationVerdict& v = r->expectation;
      v.expect = e->at("expect").get<std::string>();
      v.outcome = e->at("outcome").get<std::string>();
      v.reason = e->value("reason", "");
      v.reference = e->value("reference", "");
      v.sources = e->value("sources", std::vector<std::string>{});
      v.uncovered = e->value("uncovered", "");
      v.failure = e->value("failure", "");
    }
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace sigctx
