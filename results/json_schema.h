// A JSON Schema (draft-07) validator for the schemas sigctx ships, so that every result and
// expectation file it reads is checked against the same schema it publishes, with the
// failing value's line. Debian packages no validator for nlohmann::json, so this one covers
// the keywords those schemas use, and refuses a schema with any other keyword rather than
// ignore it (a test compiles every shipped schema).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/json_lines.h"

namespace sigctx {

class JsonSchema {
 public:
  JsonSchema();
  ~JsonSchema();
  JsonSchema(const JsonSchema&) = delete;
  JsonSchema& operator=(const JsonSchema&) = delete;

  // Compiles `schema`; false with *error naming the keyword and its schema location when it
  // uses one this validator does not implement, or a $ref it cannot resolve.
  bool compile(const nlohmann::json& schema, std::string* error);

  // The first violation, depth first: *pointer is the instance's JSON pointer ("" for the
  // root) and *message says what the schema asks there. True when the instance is valid.
  bool validate(const nlohmann::json& instance, std::string* pointer, std::string* message) const;

  // The keywords this validator implements, and the annotations it accepts and ignores.
  static const std::vector<std::string>& keywords();

 private:
  struct Node;
  Node* compile_node(const nlohmann::json& schema, const std::string& location, std::string* error);
  bool check(const Node& node, const nlohmann::json& instance, const std::string& pointer,
             std::string* fail_pointer, std::string* message) const;

  nlohmann::json root_;
  std::vector<std::unique_ptr<Node>> nodes_;  // nodes_[0] is the root
  std::map<std::string, Node*> by_location_;  // "#/definitions/case" -> its node
};

// Validates a parsed document against `schema`; on a violation *error is "FILE:LINE: POINTER:
// what (SCHEMA_FILE)", naming the shipped schema file it broke.
bool validate_document(const JsonSchema& schema, const char* schema_file, const JsonDocument& doc,
                       std::string* error);

// The schemas sigctx ships (results/*.schema.json), compiled in and compiled once.
const JsonSchema& result_schema();
const JsonSchema& expectations_schema();

}  // namespace sigctx
