#include "results/json_schema.h"

#include <fmt/format.h>
#include <cmath>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string_view>

#include "results/json_lines.h"
#include "xstate/component_registry.h"

namespace sigctx {

extern const std::string_view kResultSchemaText;  // results/builtin_schemas.cpp
extern const std::string_view kExpectationsSchemaText;

using json = nlohmann::json;

struct JsonSchema::Node {
  std::string location;            // where in the schema, as a URI fragment ("#/definitions/x")
  std::optional<bool> boolean;     // the schema `true` or `false`
  std::vector<std::string> types;  // "type"
  std::optional<json> enum_values;
  std::optional<json> constant;
  std::vector<std::pair<std::string, Node*>> properties;
  std::vector<std::string> required;
  Node* additional = nullptr;  // additionalProperties
  std::optional<uint64_t> min_properties, min_items, min_length;
  std::optional<double> minimum;
  Node* items = nullptr;
  std::optional<std::regex> pattern;
  std::string pattern_text;
  std::vector<Node*> all_of, any_of, one_of;
  Node* negated = nullptr;  // "not"
  Node *if_node = nullptr, *then_node = nullptr, *else_node = nullptr;
  std::string ref_text;  // "$ref", resolved into ref
  Node* ref = nullptr;
};

namespace {

// Annotations: they describe and never constrain.
const std::vector<std::string> kAnnotations = {"$schema",     "$id",      "$comment", "title",
                                               "description", "examples", "default"};

bool is_integer(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool has_type(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return is_integer(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  return false;
}

std::string type_of(const json& v) {
  if (v.is_number()) return is_integer(v) ? "integer" : "number";
  return v.type_name();
}

// Code points, as JSON Schema counts a string's length.
uint64_t utf8_length(const std::string& s) {
  uint64_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xc0) != 0x80;
  return n;
}

// A value for a message: short, on one line.
std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string joined(const std::vector<std::string>& words, const char* sep) {
  std::string s;
  for (const std::string& w : words)
    s += (s.empty() ? "" : sep) + w;
  return s;
}

}  // namespace

JsonSchema::JsonSchema() = default;
JsonSchema::~JsonSchema() = default;

const std::vector<std::string>& JsonSchema::keywords() {
  static const std::vector<std::string> k = [] {
    std::vector<std::string> v = {
        "type",          "enum",  "const",      "properties", "required",  "additionalProperties",
        "minProperties", "items", "minItems",   "minimum",    "minLength", "pattern",
        "allOf",         "anyOf", "oneOf",      "not",        "if",        "then",
        "else",          "$ref",  "definitions"};
    v.insert(v.end(), kAnnotations.begin(), kAnnotations.end());
    return v;
  }();
  return k;
}

JsonSchema::Node* JsonSchema::compile_node(const json& schema, const std::string& location,
                                           std::string* error) {
  nodes_.push_back(std::make_unique<Node>());
  Node* n = nodes_.back().get();
  n->location = location;
  by_location_.emplace(location, n);
  if (schema.is_boolean()) {
    n->boolean = schema.get<bool>();
    return n;
  }
  if (!schema.is_object()) {
    *error = location + ": a schema is an object or a boolean";
    return nullptr;
  }
  auto sub = [&](const json& s, const std::string& where) {
    return compile_node(s, location + "/" + where, error);
  };
  auto list = [&](const char* key, std::vector<Node*>* into) {
    const json& a = schema[key];
    if (!a.is_array()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      Node* c = sub(a[i], fmt::format("{}/{}", key, i));
      if (!c) return false;
      into->push_back(c);
    }
    return true;
  };
  for (const auto& [key, value] : schema.items()) {
    const std::string at = location + "/" + json_pointer_token(key);
    bool ok = true;
    if (std::find(kAnnotations.begin(), kAnnotations.end(), key) != kAnnotations.end()) {
      continue;
    } else if (key == "type") {
      if (value.is_string()) n->types.push_back(value.get<std::string>());
      for (const json& t : value.is_array() ? value : json::array())
        n->types.push_back(t.get<std::string>());
      ok = !n->types.empty();
    } else if (key == "enum") {
      n->enum_values = value;
      ok = value.is_array();
    } else if (key == "const") {
      n->constant = value;
    } else if (key == "properties") {
      ok = value.is_object();
      for (const auto& [name, s] : value.items()) {
        Node* c = sub(s, "properties/" + json_pointer_token(name));
        if (!c) return nullptr;
        n->properties.emplace_back(name, c);
      }
    } else if (key == "required") {
      ok = value.is_array();
      for (const json& r : value)
        n->required.push_back(r.get<std::string>());
    } else if (key == "additionalProperties") {
      ok = (n->additional = sub(value, key)) != nullptr;
    } else if (key == "items") {
      ok = value.is_object() && (n->items = sub(value, key)) != nullptr;
    } else if (key == "minProperties" || key == "minItems" || key == "minLength") {
      ok = value.is_number_unsigned();
      auto& field = key == "minProperties" ? n->min_properties
                    : key == "minItems"    ? n->min_items
                                           : n->min_length;
      if (ok) field = value.get<uint64_t>();
    } else if (key == "minimum") {
      ok = value.is_number();
      if (ok) n->minimum = value.get<double>();
    } else if (key == "pattern") {
      ok = value.is_string();
      if (ok) {
        n->pattern_text = value.get<std::string>();
        try {
          n->pattern.emplace(n->pattern_text, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          *error = at + ": " + e.what();
          return nullptr;
        }
      }
    } else if (key == "allOf") {
      ok = list("allOf", &n->all_of);
    } else if (key == "anyOf") {
      ok = list("anyOf", &n->any_of);
    } else if (key == "oneOf") {
      ok = list("oneOf", &n->one_of);
    } else if (key == "not") {
      ok = (n->negated = sub(value, key)) != nullptr;
    } else if (key == "if") {
      ok = (n->if_node = sub(value, key)) != nullptr;
    } else if (key == "then") {
      ok = (n->then_node = sub(value, key)) != nullptr;
    } else if (key == "else") {
      ok = (n->else_node = sub(value, key)) != nullptr;
    } else if (key == "$ref") {
      ok = value.is_string() && value.get<std::string>().rfind("#", 0) == 0;
      if (ok) n->ref_text = value.get<std::string>();
    } else if (key == "definitions") {
      ok = value.is_object();
      for (const auto& [name, s] : value.items())
        if (!sub(s, "definitions/" + json_pointer_token(name))) return nullptr;
    } else {
      *error = at + ": keyword \"" + key + "\" is not implemented by sigctx's validator";
      return nullptr;
    }
    if (!ok) {
      if (error->empty()) *error = at + ": malformed \"" + key + "\"";
      return nullptr;
    }
  }
  return n;
}

bool JsonSchema::compile(const json& schema, std::string* error) {
  root_ = schema;
  nodes_.clear();
  by_location_.clear();
  error->clear();
  if (!compile_node(root_, "#", error)) return false;
  // Resolve every $ref; a target no keyword reached ("#/properties/x/items" from elsewhere) is
  // compiled on first use. Compiling may add nodes, so walk by index.
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node* n = nodes_[i].get();
    if (n->ref_text.empty()) continue;
    auto it = by_location_.find(n->ref_text);
    if (it == by_location_.end()) {
      const std::string pointer = n->ref_text.substr(1);
      const json::json_pointer p(pointer);
      if (!root_.contains(p)) {
        *error = n->location + ": $ref \"" + n->ref_text + "\" names nothing in the schema";
        return false;
      }
      if (!compile_node(root_[p], n->ref_text, error)) return false;
      it = by_location_.find(n->ref_text);
    }
    nodes_[i]->ref = it->second;
  }
  return true;
}

bool JsonSchema::validate(const json& instance, std::string* pointer, std::string* message) const {
  if (nodes_.empty()) {
    *pointer = "";
    *message = "no schema compiled";
    return false;
  }
  return check(*nodes_.front(), instance, "", pointer, message);
}

bool JsonSchema::check(const Node& n, const json& v, const std::string& at, std::string* fail_at,
                       std::string* message) const {
  auto fail = [&](const std::string& where, std::string text) {
    *fail_at = where;
    *message = std::move(text);
    return false;
  };
  if (n.boolean) return *n.boolean || fail(at, "no value is allowed here");
  if (n.ref && !check(*n.ref, v, at, fail_at, message)) return false;
  if (!n.types.empty()) {
    bool any = false;
    for (const std::string& t : n.types)
      any |= has_type(v, t);
    if (!any)
      return fail(at, fmt::format("must be {}, not {}", joined(n.types, " or "), type_of(v)));
  }
  if (n.enum_values) {
    bool found = false;
    for (const json& e : *n.enum_values)
      found |= e == v;
    if (!found)
      return fail(at, fmt::format("{} is not one of {}", shown(v), shown(*n.enum_values)));
  }
  if (n.constant && *n.constant != v)
    return fail(at, fmt::format("must be {}, not {}", n.constant->dump(), shown(v)));
  if (v.is_object()) {
    for (const std::string& r : n.required)
      if (!v.contains(r)) return fail(at, fmt::format("member \"{}\" is missing", r));
    if (n.min_properties && v.size() < *n.min_properties)
      return fail(at, fmt::format("needs at least {} members", *n.min_properties));
    for (const auto& [name, value] : v.items()) {
      const std::string child = at + "/" + json_pointer_token(name);
      const Node* schema = nullptr;
      for (const auto& [pname, pnode] : n.properties)
        if (pname == name) schema = pnode;
      if (!schema) schema = n.additional;
      if (!schema) continue;
      if (schema->boolean == false)
        return fail(child, fmt::format("member \"{}\" is not allowed here", name));
      if (!check(*schema, value, child, fail_at, message)) return false;
    }
  }
  if (v.is_array()) {
    if (n.min_items && v.size() < *n.min_items)
      return fail(
          at, fmt::format("needs at least {} item{}", *n.min_items, *n.min_items == 1 ? "" : "s"));
    if (n.items)
      for (size_t i = 0; i < v.size(); ++i)
        if (!check(*n.items, v[i], fmt::format("{}/{}", at, i), fail_at, message)) return false;
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (n.min_length && utf8_length(s) < *n.min_length)
      return fail(at, *n.min_length == 1
                          ? std::string("must not be empty")
                          : fmt::format("needs at least {} characters", *n.min_length));
    if (n.pattern && !std::regex_search(s, *n.pattern))
      return fail(at, fmt::format("{} does not match the pattern {}", shown(v), n.pattern_text));
  }
  if (v.is_number() && n.minimum && v.get<double>() < *n.minimum)
    return fail(at, fmt::format("{} is below the minimum {}", shown(v), *n.minimum));
  for (const Node* c : n.all_of)
    if (!check(*c, v, at, fail_at, message)) return false;
  // anyOf and oneOf: when nothing matches, the deepest failure says most (an expectation object
  // with one bad member, rather than "not null").
  auto count_matches = [&](const std::vector<Node*>& options, std::string* deepest_at,
                           std::string* deepest) {
    unsigned matches = 0;
    for (const Node* c : options) {
      std::string p, m;
      if (check(*c, v, at, &p, &m)) {
        ++matches;
      } else if (deepest->empty() || p.size() > deepest_at->size() ||
                 // at the same depth, an alternative of the value's type says more
                 (p.size() == deepest_at->size() && deepest->rfind("must be ", 0) == 0 &&
                  m.rfind("must be ", 0) != 0)) {
        *deepest_at = p;
        *deepest = m;
      }
    }
    return matches;
  };
  for (const auto* options : {&n.any_of, &n.one_of}) {
    if (options->empty()) continue;
    std::string deepest_at, deepest;
    const unsigned matches = count_matches(*options, &deepest_at, &deepest);
    if (matches == 0) {
      if (deepest_at.size() > at.size()) return fail(deepest_at, deepest);
      return fail(
          at, fmt::format("matches none of its {} allowed forms ({})", options->size(), deepest));
    }
    if (options == &n.one_of && matches > 1)
      return fail(at,
                  fmt::format("matches {} of its allowed forms; exactly one must match", matches));
  }
  if (n.negated) {
    std::string p, m;
    if (check(*n.negated, v, at, &p, &m)) {
      if (n.negated->required.size() == 1 && n.negated->types.empty())
        return fail(at + "/" + json_pointer_token(n.negated->required[0]),
                    fmt::format("member \"{}\" is not allowed here", n.negated->required[0]));
      return fail(at, "must not match " + n.negated->location);
    }
  }
  if (n.if_node) {
    std::string p, m;
    const Node* next = check(*n.if_node, v, at, &p, &m) ? n.then_node : n.else_node;
    if (next && !check(*next, v, at, fail_at, message)) return false;
  }
  return true;
}

namespace {

const JsonSchema& compiled(std::string_view text) {
  auto* schema = new JsonSchema();  // lives as long as the process
  std::string error;
  if (!schema->compile(json::parse(text), &error))
    throw std::logic_error("a shipped schema does not compile: " + error);
  return *schema;
}

}  // namespace

bool validate_document(const JsonSchema& schema, const char* schema_file, const JsonDocument& doc,
                       std::string* error) {
  std::string pointer, why;
  if (schema.validate(doc.value, &pointer, &why)) return true;
  *error = doc.error_at(
      pointer, fmt::format("{}: {} ({})", pointer.empty() ? "/" : pointer, why, schema_file));
  return false;
}

namespace {
// The shipped result schema admits any component name; sigctx's own validation admits exactly
// the registered ones, so a component needs no schema edit.
std::string result_schema_with_registered_components() {
  json schema = json::parse(kResultSchemaText);
  json names = json::array();
  for (const ComponentDescriptor* c : all_components())
    names.push_back(std::string(c->name));
  schema["definitions"]["component"] = {{"enum", std::move(names)}};
  return schema.dump();
}
}  // namespace

const JsonSchema& result_schema() {
  static const std::string text = result_schema_with_registered_components();
  static const JsonSchema& s = compiled(text);
  return s;
}

const JsonSchema& expectations_schema() {
  static const JsonSchema& s = compiled(kExpectationsSchemaText);
  return s;
}

}  // namespace sigctx
