#include "results/result_file.h"

#include <fmt/format.h>
#include <map>
#include <utility>

#include "results/json_lines.h"
#include "results/json_schema.h"

namespace sigctx {

bool read_result_file(const std::string& path, RunResult* out, std::string* error) {
  std::string text;
  if (!read_text_file(path, &text, error)) return false;
  return read_result_text(text, path, out, error);
}

bool read_result_text(std::string_view text, const std::string& name, RunResult* out,
                      std::string* error) {
  JsonDocument doc;
  if (!parse_json_document(text, name, &doc, error)) return false;
  const nlohmann::json& j = doc.value;
  if (!j.is_object()) {
    *error = doc.error_at("", "a sigctx result file is a JSON object");
    return false;
  }
  for (const char* member : {"schema", "tool", "machine", "cases", "summary"})
    if (!j.contains(member)) {
      *error = doc.error_at("", fmt::format("member \"{}\" is missing (is this a sigctx result "
                                            "file? `sigctx run --json FILE` writes one)",
                                            member));
      return false;
    }
  // Members whose fields compare and report read without asking (`"machine": null` crashed
  // both).
  for (const char* member : {"tool", "machine", "summary", "options"})
    if (j.contains(member) && !j[member].is_object()) {
      *error =
          doc.error_at(fmt::format("/{}", member), fmt::format("\"{}\" must be an object", member));
      return false;
    }
  if (!j["cases"].is_array()) {
    *error = doc.error_at("/cases", "\"cases\" must be an array");
    return false;
  }
  for (const char* count : {"total", "pass", "fail", "skip", "xfail", "error", "injections"})
    if (j["summary"].contains(count) && !j["summary"][count].is_number_unsigned()) {
      *error = doc.error_at(fmt::format("/summary/{}", count),
                            fmt::format("summary \"{}\" must be a whole number from 0, not {}",
                                        count, j["summary"][count].dump()));
      return false;
    }
  // Each case on its own, so that a bad one is named by its line; a case runs once per
  // iteration (--repeat), so an id and iteration seen twice is a damaged file.
  std::map<std::pair<std::string, uint64_t>, size_t> seen;
  for (size_t i = 0; i < j["cases"].size(); ++i) {
    CaseResult c;
    std::string why;
    const nlohmann::json& cj = j["cases"][i];
    bool ok = cj.is_object() && cj.contains("id") && cj["id"].is_string();
    if (ok) {
      try {
        ok = case_result_from_json(cj, &c, &why);
      } catch (const nlohmann::json::exception& e) {
        ok = false;
        why = e.what();
      }
    } else {
      why = "a case needs a string \"id\"";
    }
    if (!ok) {
      *error = doc.error_at(fmt::format("/cases/{}", i), fmt::format("case {}: {}", i, why));
      return false;
    }
    const auto [first, fresh] = seen.emplace(std::pair{c.id, c.iteration}, i);
    if (!fresh) {
      *error = doc.error_at(
          fmt::format("/cases/{}", i),
          fmt::format("case {} iteration {} appears twice (first on line {})", c.id, c.iteration,
                      doc.line_of(fmt::format("/cases/{}", first->second))));
      return false;
    }
  }
  // Then everything else the published schema says, so that no reader meets a member of a
  // shape it did not expect.
  if (!validate_document(result_schema(), "results/sigctx-result-1.schema.json", doc, error))
    return false;
  std::string why;
  if (!run_result_from_json(j, out, &why)) {
    *error = doc.error_at("", why);
    return false;
  }
  return true;
}

}  // namespace sigctx
