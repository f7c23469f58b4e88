#include "results/result_file.h"

#include <fmt/format.h>

#include "results/json_lines.h"

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
  if (!j["cases"].is_array()) {
    *error = doc.error_at("/cases", "\"cases\" must be an array");
    return false;
  }
  // Each case on its own, so that a bad one is named by its line.
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
  }
  std::string why;
  if (!run_result_from_json(j, out, &why)) {
    *error = doc.error_at("", why);
    return false;
  }
  return true;
}

}  // namespace sigctx
