// Reading expectation files: every member is checked, and a mistake is reported with the file,
// the line and the member, because a misspelt key that were silently ignored would turn an
// expectation into nothing.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cctype>
#include <set>

#include "results/expectations.h"
#include "results/json_lines.h"
#include "results/json_schema.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

using nlohmann::json;

bool parse_version(std::string_view text, std::vector<unsigned>* out) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    unsigned v = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      // No kernel version part reaches a million: a longer number would wrap.
      if (v >= 1000000) return false;
      v = v * 10 + static_cast<unsigned>(text[i++] - '0');
    }
    out->push_back(v);
    if (i < text.size() && text[i++] != '.') return false;
    if (i == text.size() && text.back() == '.') return false;
  }
  return !out->empty();
}

// ">=5.2 <5.4.2": bounds separated by spaces, each an operator and a dotted version.
bool parse_kernel_range(std::string_view text, std::vector<VersionBound>* out, std::string* error) {
  static const std::pair<const char*, VersionBound::Op> kOps[] = {{">=", VersionBound::Op::kGe},
                                                                  {"<=", VersionBound::Op::kLe},
                                                                  {">", VersionBound::Op::kGt},
                                                                  {"<", VersionBound::Op::kLt},
                                                                  {"=", VersionBound::Op::kEq}};
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    const size_t end = std::min(text.find(' ', i), text.size());
    const std::string_view word = text.substr(i, end - i);
    i = end;
    VersionBound b{};
    bool op = false;
    for (const auto& [name, kind] : kOps)
      if (word.starts_with(name)) {
        b.op = kind;
        op = parse_version(word.substr(std::string_view(name).size()), &b.version);
        break;
      }
    if (!op) {
      *error = fmt::format(
          "'{}' is not a version bound (an operator >=, >, <=, < or = and a dotted version, "
          "like \">=5.2 <5.4.2\")",
          word);
      return false;
    }
    out->push_back(std::move(b));
  }
  if (out->empty()) *error = "an empty kernel range (leave the member out to match any kernel)";
  return !out->empty();
}

// Checks one object's members and reads them, keeping the first error with its line.
class ObjectReader {
 public:
  ObjectReader(const JsonDocument& doc, const json& object, std::string pointer, std::string* error)
      : doc_(doc), object_(object), pointer_(std::move(pointer)), error_(error) {}

  bool ok() const { return ok_; }
  bool fail(const std::string& member, std::string_view message) {
    if (ok_) *error_ = doc_.error_at(member_pointer(member), message);
    ok_ = false;
    return false;
  }
  std::string member_pointer(const std::string& member) const {
    return member.empty() ? pointer_ : pointer_ + "/" + json_pointer_token(member);
  }

  // Every member must be one of `known`.
  bool only(std::initializer_list<std::string_view> known) {
    if (!object_.is_object()) return fail("", "expected a JSON object");
    for (const auto& [key, value] : object_.items()) {
      bool found = false;
      for (std::string_view k : known)
        found |= k == key;
      if (!found)
        return fail(key,
                    fmt::format("unknown member \"{}\" (known: {})", key, fmt::join(known, ", ")));
    }
    return true;
  }
  const json* find(const std::string& member) const {
    if (!ok_) return nullptr;
    const auto it = object_.find(member);
    return it == object_.end() ? nullptr : &*it;
  }
  bool string(const std::string& member, std::string* out, bool required) {
    const json* v = find(member);
    if (!ok_) return false;
    if (!v) return required ? fail("", fmt::format("missing member \"{}\"", member)) : true;
    if (!v->is_string() || v->get<std::string>().empty())
      return fail(member, fmt::format("\"{}\" must be a non-empty string", member));
    *out = v->get<std::string>();
    return true;
  }
  // A string or an array of strings.
  bool strings(const std::string& member, std::vector<std::string>* out, bool required) {
    const json* v = find(member);
    if (!ok_) return false;
    if (!v) return required ? fail("", fmt::format("missing member \"{}\"", member)) : true;
    out->clear();
    if (v->is_string()) {
      out->push_back(v->get<std::string>());
    } else if (v->is_array() && !v->empty()) {
      for (const json& s : *v) {
        if (!s.is_string() || s.get<std::string>().empty())
          return fail(member, fmt::format("\"{}\" must hold non-empty strings", member));
        out->push_back(s.get<std::string>());
      }
    } else {
      return fail(member,
                  fmt::format("\"{}\" must be a string or a non-empty array of strings", member));
    }
    return true;
  }

 private:
  const JsonDocument& doc_;
  const json& object_;
  std::string pointer_;
  std::string* error_;
  bool ok_ = true;
};

bool read_platform(const JsonDocument& doc, const json& j, const std::string& pointer,
                   PlatformMatch* p, std::string* error) {
  ObjectReader r(doc, j, pointer, error);
  if (!r.only({"os", "libc", "kernel", "cpu_vendor", "environment", "cpu_has", "cpu_lacks"}))
    return false;
  std::string kernel;
  r.string("os", &p->os, false);
  r.string("libc", &p->libc, false);
  r.string("cpu_vendor", &p->cpu_vendor, false);
  r.string("environment", &p->environment, false);
  r.strings("cpu_has", &p->cpu_has, false);
  r.strings("cpu_lacks", &p->cpu_lacks, false);
  r.string("kernel", &kernel, false);
  if (!r.ok()) return false;
  static const std::vector<std::string> kEnvironments = {"native", "qemu-user", "valgrind",
                                                         "gvisor", "uml"};
  if (!p->environment.empty() &&
      std::find(kEnvironments.begin(), kEnvironments.end(), p->environment) == kEnvironments.end())
    return r.fail("environment", fmt::format("unknown environment \"{}\" (known: {})",
                                             p->environment, fmt::join(kEnvironments, ", ")));
  std::string range_error;
  if (!kernel.empty() && !parse_kernel_range(kernel, &p->kernel, &range_error))
    return r.fail("kernel", range_error);
  std::set<std::string> features;
  for (const auto& f : cpu_feature_fields())
    features.insert(f.name);
  for (const char* member : {"cpu_has", "cpu_lacks"})
    for (const std::string& f : member == std::string_view("cpu_has") ? p->cpu_has : p->cpu_lacks)
      if (!features.count(f))
        return r.fail(member, fmt::format("unknown CPU feature \"{}\" (known: {})", f,
                                          fmt::join(features, ", ")));
  return true;
}

bool read_deviation(const JsonDocument& doc, const json& j, const std::string& pointer,
                    Deviation* d, std::string* error) {
  ObjectReader r(doc, j, pointer, error);
  if (!r.only({"components", "classes", "registers", "where", "findings", "reason", "status"}))
    return false;
  d->any = false;
  std::vector<std::string> statuses;
  r.strings("components", &d->components, false);
  r.strings("classes", &d->classes, false);
  r.strings("registers", &d->registers, false);
  r.strings("where", &d->where, false);
  r.strings("findings", &d->findings, false);
  r.string("reason", &d->reason, false);
  r.strings("status", &statuses, false);
  if (!r.ok()) return false;
  // A group ("xsave-extended") stands for its members, so a file need not list components.
  std::vector<std::string> components;
  for (const std::string& c : d->components) {
    if (find_component(c)) {
      components.push_back(c);
      continue;
    }
    const auto members = component_group(c);
    if (members.empty()) {
      std::vector<std::string> names;
      for (const ComponentDescriptor* k : all_components())
        names.emplace_back(k->name);
      return r.fail("components",
                    fmt::format("unknown component \"{}\" (known: {}; groups: {})", c,
                                fmt::join(names, ", "), fmt::join(component_group_names(), ", ")));
    }
    for (const ComponentDescriptor* k : members)
      components.emplace_back(k->name);
  }
  d->components = std::move(components);
  for (const std::string& c : d->classes) {
    DiffClass cls;
    if (!parse_diff_class(c, &cls))
      return r.fail("classes", fmt::format("unknown class \"{}\" (known: zeroed, init, handler, "
                                           "foreign, stale, misplaced, bitflip, unknown)",
                                           c));
  }
  if (!statuses.empty()) {
    d->statuses.clear();
    for (const std::string& s : statuses) {
      Status st;
      if (!parse_status(s, &st) || (st != Status::kFail && st != Status::kError))
        return r.fail("status",
                      fmt::format("\"{}\": only fail and error can be expected deviations", s));
      d->statuses.push_back(st);
    }
  }
  if (!d->registers.empty() && d->components.empty())
    return r.fail("registers", "\"registers\" narrows \"components\": name the components too");
  if (d->components.empty() && d->classes.empty() && d->where.empty() && d->findings.empty() &&
      d->reason.empty())
    return r.fail("", "\"when\" must name components, classes, findings or a reason");
  return true;
}

bool read_entry(const JsonDocument& doc, const json& j, const std::string& pointer,
                const PlatformMatch& file_platform, ExpectationEntry* e, std::string* error) {
  ObjectReader r(doc, j, pointer, error);
  if (!r.only({"cases", "platform", "expect", "when", "reason", "reference"})) return false;
  std::string expect;
  r.strings("cases", &e->cases, true);
  r.string("expect", &expect, true);
  r.string("reason", &e->reason, true);
  r.string("reference", &e->reference, false);
  if (!r.ok()) return false;
  if (expect == "pass") {
    e->expect = Expect::kPass;
  } else if (expect == "fail") {
    e->expect = Expect::kFail;
  } else if (expect == "xfail") {
    e->expect = Expect::kXfail;
  } else {
    return r.fail("expect",
                  fmt::format("\"expect\" is \"{}\"; it must be pass, fail or xfail", expect));
  }
  if (e->expect != Expect::kPass && e->reference.empty())
    return r.fail("", fmt::format("an \"{}\" entry needs a \"reference\" (a bug, commit or "
                                  "document a reader can check)",
                                  expect));
  e->platform = file_platform;
  if (const json* p = r.find("platform")) {
    PlatformMatch own;
    if (!read_platform(doc, *p, r.member_pointer("platform"), &own, error)) return false;
    // The entry narrows the file's platform: its own members replace the file's.
    for (auto [mine, theirs] : {std::pair{&e->platform.os, &own.os},
                                {&e->platform.libc, &own.libc},
                                {&e->platform.cpu_vendor, &own.cpu_vendor},
                                {&e->platform.environment, &own.environment}})
      if (!theirs->empty()) *mine = *theirs;
    if (!own.kernel.empty()) e->platform.kernel = own.kernel;
    e->platform.cpu_has.insert(e->platform.cpu_has.end(), own.cpu_has.begin(), own.cpu_has.end());
    e->platform.cpu_lacks.insert(e->platform.cpu_lacks.end(), own.cpu_lacks.begin(),
                                 own.cpu_lacks.end());
  }
  if (const json* w = r.find("when")) {
    if (e->expect != Expect::kXfail)
      return r.fail("when", "\"when\" describes a tolerated deviation: only xfail entries have it");
    if (!read_deviation(doc, *w, r.member_pointer("when"), &e->when, error)) return false;
  }
  return true;
}

}  // namespace

bool parse_expectations(std::string_view text, const std::string& name, ExpectationSet* into,
                        std::string* error) {
  JsonDocument doc;
  if (!parse_json_document(text, name, &doc, error)) return false;
  const json& j = doc.value;
  ObjectReader top(doc, j, "", error);
  if (!top.only({"schema", "description", "platform", "entries"})) return false;
  std::string schema, description;
  top.string("schema", &schema, true);
  top.string("description", &description, true);
  if (!top.ok()) return false;
  if (schema != kExpectationsSchema)
    return top.fail("schema", fmt::format("schema is \"{}\"; this sigctx reads \"{}\"", schema,
                                          kExpectationsSchema));
  PlatformMatch platform;
  if (const json* p = top.find("platform"))
    if (!read_platform(doc, *p, "/platform", &platform, error)) return false;
  const json* entries = top.find("entries");
  if (!entries || !entries->is_array())
    return top.fail(entries ? "entries" : "", "\"entries\" must be an array of entries");
  std::vector<ExpectationEntry> read;
  for (size_t i = 0; i < entries->size(); ++i) {
    const std::string pointer = fmt::format("/entries/{}", i);
    ExpectationEntry e;
    if (!read_entry(doc, (*entries)[i], pointer, platform, &e, error)) return false;
    e.source = fmt::format("{}:{}", name, doc.line_of(pointer));
    read.push_back(std::move(e));
  }
  // The checks above give each mistake its own words; the published schema catches the rest.
  if (!validate_document(expectations_schema(), "results/sigctx-expectations-1.schema.json", doc,
                         error))
    return false;
  into->files.push_back(name);
  for (ExpectationEntry& e : read)
    into->entries.push_back(std::move(e));
  return true;
}

bool load_expectations(const std::string& path, ExpectationSet* into, std::string* error) {
  std::string text;
  return read_text_file(path, &text, error) && parse_expectations(text, path, into, error);
}

}  // namespace sigctx
