// sigctx's own JSON Schema validator (results/json_schema.h): each keyword it implements
// rejects exactly what it should, at the right place; a keyword it does not implement makes the
// schema refused, never ignored; and on a corpus of damaged result files it agrees with the
// reference implementation (python3-jsonschema).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "results/json_schema.h"
#include "results/result_file.h"
#include "tests/support/spawn.h"

namespace sigctx {
namespace {

using json = nlohmann::json;

struct Verdict {
  bool valid = false;
  std::string pointer, message;
};

Verdict check(const json& schema, const json& instance) {
  JsonSchema s;
  std::string error;
  EXPECT_TRUE(s.compile(schema, &error)) << error;
  Verdict v;
  v.valid = s.validate(instance, &v.pointer, &v.message);
  return v;
}

void expect_rejected(const json& schema, const json& instance, const std::string& pointer,
                     const std::string& message_part) {
  const Verdict v = check(schema, instance);
  EXPECT_FALSE(v.valid) << instance.dump();
  EXPECT_EQ(v.pointer, pointer) << instance.dump() << ": " << v.message;
  EXPECT_NE(v.message.find(message_part), std::string::npos) << v.message;
}

TEST(JsonSchema, EachKeywordRejectsWhatItForbidsWhereItIs) {
  const json object = json::parse(R"({
    "type": "object", "required": ["id"], "additionalProperties": false, "minProperties": 1,
    "properties": {
      "id": {"type": "string", "minLength": 1, "pattern": "^[a-z]+/"},
      "n": {"type": "integer", "minimum": 0},
      "tags": {"type": "array", "minItems": 1, "items": {"enum": ["a", "b"]}},
      "k": {"const": "sigctx"},
      "x": {"type": ["string", "null"]}
    }})");
  EXPECT_TRUE(check(object, json::parse(R"({"id": "a/b", "n": 3, "tags": ["b"], "k": "sigctx",
                                           "x": null})"))
                  .valid);
  expect_rejected(object, json::array(), "", "must be object, not array");
  expect_rejected(object, json::parse(R"({"n": 1})"), "", "member \"id\" is missing");
  expect_rejected(object, json::parse(R"({"id": "a/", "z": 1})"), "/z",
                  "member \"z\" is not allowed here");
  expect_rejected(object, json::parse(R"({"id": ""})"), "/id", "must not be empty");
  expect_rejected(object, json::parse(R"({"id": "A/"})"), "/id", "does not match the pattern");
  expect_rejected(object, json::parse(R"({"id": "a/", "n": -1})"), "/n", "below the minimum 0");
  expect_rejected(object, json::parse(R"({"id": "a/", "n": 1.5})"), "/n", "must be integer");
  EXPECT_TRUE(check(object, json::parse(R"({"id": "a/", "n": 2.0})")).valid);  // draft 6+
  expect_rejected(object, json::parse(R"({"id": "a/", "tags": []})"), "/tags", "at least 1 item");
  expect_rejected(object, json::parse(R"({"id": "a/", "tags": ["a", "c"]})"), "/tags/1",
                  "\"c\" is not one of");
  expect_rejected(object, json::parse(R"({"id": "a/", "k": "other"})"), "/k", "must be \"sigctx\"");
  expect_rejected(object, json::parse(R"({"id": "a/", "x": 3})"), "/x", "must be string or null");
}

TEST(JsonSchema, CombinatorsAndReferences) {
  const json schema = json::parse(R"({
    "definitions": {"hex": {"type": "string", "pattern": "^0x[0-9a-f]+$"}},
    "type": "object",
    "properties": {
      "one": {"oneOf": [{"type": "null"}, {"$ref": "#/definitions/hex"}]},
      "two": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
      "any": {"anyOf": [{"type": "string"}, {"type": "object", "required": ["v"],
                                             "properties": {"v": {"type": "boolean"}}}]}
    },
    "allOf": [
      {"if": {"properties": {"one": {"type": "null"}}, "required": ["one"]},
       "then": {"required": ["any"]}, "else": {"not": {"required": ["two"]}}}
    ]})");
  EXPECT_TRUE(check(schema, json::parse(R"({"one": "0x1f"})")).valid);
  expect_rejected(schema, json::parse(R"({"one": "1f"})"), "/one", "does not match the pattern");
  expect_rejected(schema, json::parse(R"({"one": "0x1", "two": 3})"), "/two",
                  "matches 2 of its allowed forms");
  // The deepest failure of the alternatives is the one reported.
  expect_rejected(schema, json::parse(R"({"one": "0x1", "any": {"v": 1}})"), "/any/v",
                  "must be boolean");
  expect_rejected(schema, json::parse(R"({"one": null})"), "", "member \"any\" is missing");
  expect_rejected(schema, json::parse(R"({"one": "0x2", "two": 1.5})"), "/two",
                  "member \"two\" is not allowed here");
}

TEST(JsonSchema, AKeywordItDoesNotImplementIsRefusedNotIgnored) {
  JsonSchema s;
  std::string error;
  EXPECT_FALSE(s.compile(json::parse(R"({"properties": {"a": {"maxLength": 3}}})"), &error));
  EXPECT_NE(error.find("#/properties/a/maxLength: keyword \"maxLength\" is not implemented"),
            std::string::npos)
      << error;
  EXPECT_FALSE(s.compile(json::parse(R"({"$ref": "#/definitions/none"})"), &error));
  EXPECT_NE(error.find("names nothing"), std::string::npos) << error;
}

TEST(JsonSchema, EveryShippedSchemaCompiles) {
  EXPECT_NO_THROW(result_schema());
  EXPECT_NO_THROW(expectations_schema());
}

// Damaged copies of a real result file, each judged by this validator and by python3-jsonschema:
// the two must agree on every one.
TEST(JsonSchema, AgreesWithTheReferenceImplementationOnDamagedResultFiles) {
  const std::string source =
      std::string(SIGCTX_SOURCE_DIR) + "/tests/fuzz/corpus/result/small-run.json";
  std::ifstream in(source);
  ASSERT_TRUE(in) << source;
  const json good = json::parse(in);
  std::vector<std::pair<std::string, std::function<void(json&)>>> damage = {
      {"untouched", [](json&) {}},
      {"vendor-number", [](json& j) { j["machine"]["cpu"]["vendor"] = 5; }},
      {"extra-case-member", [](json& j) { j["cases"][0]["extra"] = 1; }},
      {"negative-duration", [](json& j) { j["cases"][0]["duration_ms"] = -1; }},
      {"bad-status", [](json& j) { j["cases"][0]["status"] = "passed"; }},
      {"empty-reason-on-skip",
       [](json& j) {
         j["cases"][0]["status"] = "skip";
         j["cases"][0]["reason"] = "";
       }},
      {"no-summary-total", [](json& j) { j["summary"].erase("total"); }},
      {"tool-name", [](json& j) { j["tool"]["name"] = "other"; }},
      {"expectation-array", [](json& j) { j["cases"][0]["expectation"] = json::array(); }},
      {"usage-error-empty", [](json& j) { j["cases"][0]["usage_error"] = ""; }},
      {"usage-error-set", [](json& j) { j["cases"][0]["usage_error"] = "--at 9: too far"; }},
  };
  const std::string dir = testing::TempDir() + "/json-schema-agreement";
  std::filesystem::create_directories(dir);
  for (auto& [name, apply] : damage) {
    json j = good;
    apply(j);
    const std::string path = dir + "/" + name + ".json";
    std::ofstream(path) << j.dump(2);
    const test::Outcome ref = test::spawn_and_wait(
        {"/usr/bin/python3", "-m", "jsonschema", "-i", path,
         std::string(SIGCTX_SOURCE_DIR) + "/results/sigctx-result-1.schema.json"});
    ASSERT_NE(ref.status, -1) << "python3-jsonschema is missing";
    std::string pointer, message;
    const bool ours = result_schema().validate(j, &pointer, &message);
    EXPECT_EQ(ours, ref.status == 0) << name << ": ours says " << (ours ? "valid" : message)
                                     << " at " << pointer << "; python3-jsonschema: " << ref.err;
  }
  std::filesystem::remove_all(dir);
}

// The reader refuses a file the schema refuses, naming the file, the line and the member.
TEST(JsonSchema, TheResultReaderNamesTheLineOfAViolation) {
  const std::string source =
      std::string(SIGCTX_SOURCE_DIR) + "/tests/fuzz/corpus/result/small-run.json";
  std::ifstream in(source);
  json j = json::parse(in);
  j["machine"]["cpu"]["vendor"] = 5;
  const std::string text = j.dump(2);
  RunResult r;
  std::string error;
  EXPECT_FALSE(read_result_text(text, "damaged.json", &r, &error));
  // The line of "vendor" in the text as written.
  size_t line = 1;
  for (size_t i = 0; i < text.find("\"vendor\""); ++i)
    line += text[i] == '\n';
  EXPECT_EQ(error, "damaged.json:" + std::to_string(line) +
                       ": /machine/cpu/vendor: must be string, not integer "
                       "(results/sigctx-result-1.schema.json)");
}

}  // namespace
}  // namespace sigctx
