#include "results/expectations.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fnmatch.h>
#include <algorithm>
#include <cctype>

#include "xstate/component_registry.h"

namespace sigctx {

namespace {

bool glob_matches(const std::string& glob, const std::string& text) {
  return fnmatch(glob.c_str(), text.c_str(), 0) == 0;
}

bool any_glob_matches(const std::vector<std::string>& globs, const std::string& text) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return glob_matches(g, text); });
}

// Versions compare component by component, a missing component counting as 0 (5.4 == 5.4.0).
int compare_versions(const std::vector<unsigned>& a, const std::vector<unsigned>& b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const unsigned x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool bound_holds(const VersionBound& b, const std::vector<unsigned>& v) {
  const int c = compare_versions(v, b.version);
  switch (b.op) {
    case VersionBound::Op::kGe:
      return c >= 0;
    case VersionBound::Op::kGt:
      return c > 0;
    case VersionBound::Op::kLe:
      return c <= 0;
    case VersionBound::Op::kLt:
      return c < 0;
    case VersionBound::Op::kEq:
      return c == 0;
  }
  return false;
}

bool feature(const PlatformFacts& p, const std::string& name) {
  const auto it = p.features.find(name);
  return it != p.features.end() && it->is_boolean() && it->get<bool>();
}

// Whether entry `e` explains one part of a failure.
bool status_tolerated(const ExpectationEntry& e, Status s) {
  return std::find(e.when.statuses.begin(), e.when.statuses.end(), s) != e.when.statuses.end();
}

bool covers_diff(const ExpectationEntry& e, const RegisterDiff& d) {
  if (e.when.any) return true;
  if (e.when.components.empty() && e.when.classes.empty() && e.when.where.empty()) return false;
  const std::string comp(component(d.component).name), cls = diff_class_name(d.cls);
  auto listed = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  return listed(e.when.components, comp) && listed(e.when.classes, cls) &&
         (e.when.registers.empty() || any_glob_matches(e.when.registers, d.reg)) &&
         (e.when.where.empty() || any_glob_matches(e.when.where, d.where));
}

bool covers_finding(const ExpectationEntry& e, const Finding& f) {
  return e.when.any || any_glob_matches(e.when.findings, f.check);
}

bool covers_reason(const ExpectationEntry& e, const std::string& reason) {
  return e.when.any || (!e.when.reason.empty() && glob_matches(e.when.reason, reason));
}

std::string join_distinct(const std::vector<const ExpectationEntry*>& entries,
                          std::string ExpectationEntry::*field) {
  std::vector<std::string> seen;
  for (const ExpectationEntry* e : entries)
    if (!(e->*field).empty() && std::find(seen.begin(), seen.end(), e->*field) == seen.end())
      seen.push_back(e->*field);
  return fmt::format("{}", fmt::join(seen, "; "));
}

void describe(ExpectationVerdict& v, const char* expect, const char* outcome,
              const std::vector<const ExpectationEntry*>& entries) {
  v.expect = expect;
  v.outcome = outcome;
  v.reason = join_distinct(entries, &ExpectationEntry::reason);
  v.reference = join_distinct(entries, &ExpectationEntry::reference);
  v.sources.clear();
  for (const ExpectationEntry* e : entries)
    v.sources.push_back(e->source);
}

}  // namespace

std::string machine_text(const nlohmann::json& machine, const char* section, const char* member) {
  const auto s = machine.find(section);
  if (s == machine.end() || !s->is_object()) return std::string();
  const auto m = s->find(member);
  return m != s->end() && m->is_string() ? m->get<std::string>() : std::string();
}

PlatformFacts platform_facts(const nlohmann::json& machine) {
  PlatformFacts p;
  auto text = [&](const char* section, const char* member) {
    return machine_text(machine, section, member);
  };
  p.os = text("os", "sysname");
  p.libc = text("libc", "name");
  p.cpu_vendor = text("cpu", "vendor");
  // The release's leading dotted number: "6.18.44-fc-v669" -> 6.18.44.
  const std::string release = text("os", "release");
  unsigned v = 0;
  bool digits = false;
  for (char c : release) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      v = v * 10 + static_cast<unsigned>(c - '0');
      digits = true;
    } else if (c == '.' && digits) {
      p.kernel.push_back(v);
      v = 0;
      digits = false;
    } else {
      break;
    }
  }
  if (digits) p.kernel.push_back(v);
  const nlohmann::json env = machine.value("environment", nlohmann::json::object());
  // As EnvironmentInfo::kind() says it; files from before "kind" existed have the flags.
  p.environment = env.value("valgrind", false)    ? "valgrind"
                  : env.value("qemu_user", false) ? "qemu-user"
                  : env.value("gvisor", false)    ? "gvisor"
                  : env.value("uml", false)       ? "uml"
                                                  : "native";
  if (const auto cpu = machine.find("cpu"); cpu != machine.end() && cpu->is_object())
    p.features = cpu->value("features", nlohmann::json::object());
  return p;
}

bool PlatformMatch::matches(const PlatformFacts& p) const {
  if (!os.empty() && os != p.os) return false;
  if (!libc.empty() && libc != p.libc) return false;
  if (!cpu_vendor.empty() && cpu_vendor != p.cpu_vendor) return false;
  if (!environment.empty() && environment != p.environment) return false;
  if (!kernel.empty() && p.kernel.empty()) return false;
  for (const VersionBound& b : kernel)
    if (!bound_holds(b, p.kernel)) return false;
  for (const std::string& f : cpu_has)
    if (!feature(p, f)) return false;
  for (const std::string& f : cpu_lacks)
    if (feature(p, f)) return false;
  return true;
}

void apply_expectations(const ExpectationSet& set, const PlatformFacts& platform, CaseResult& r) {
  if (r.status == Status::kSkip) return;
  std::vector<const ExpectationEntry*> active;
  for (const ExpectationEntry& e : set.entries) {
    if (!any_glob_matches(e.cases, r.id) || !e.platform.matches(platform)) continue;
    if (e.expect == Expect::kPass)
      active.clear();  // a later promise overrides what earlier entries excused
    else
      active.push_back(&e);
  }
  if (active.empty()) return;
  const bool failed = r.status == Status::kFail || r.status == Status::kError;

  std::vector<const ExpectationEntry*> known;
  for (const ExpectationEntry* e : active)
    if (e->expect == Expect::kFail) known.push_back(e);
  if (!known.empty()) {
    describe(r.expectation, "fail", failed ? "known-failure" : "unexpected-pass", known);
    return;
  }
  if (!failed) {
    describe(r.expectation, "xfail", "unexpected-pass", active);
    return;
  }

  // Every part of the failure must be explained by some entry that tolerates this status.
  std::vector<const ExpectationEntry*> used;
  std::vector<std::string> uncovered;
  auto explain = [&](auto covers, const std::string& what) {
    for (const ExpectationEntry* e : active)
      if (status_tolerated(*e, r.status) && covers(*e)) {
        if (std::find(used.begin(), used.end(), e) == used.end()) used.push_back(e);
        return;
      }
    uncovered.push_back(what);
  };
  for (const RegisterDiff& d : r.diffs)
    explain([&](const ExpectationEntry& e) { return covers_diff(e, d); },
            fmt::format("{} {}{} class {}", component(d.component).name, d.reg, d.bits,
                        diff_class_name(d.cls)));
  for (const Finding& f : r.findings)
    explain([&](const ExpectationEntry& e) { return covers_finding(e, f); }, "finding " + f.check);
  if (r.diffs.empty() && r.findings.empty())
    explain([&](const ExpectationEntry& e) { return covers_reason(e, r.reason); },
            fmt::format("{} \"{}\"", status_name(r.status), r.reason));

  if (!uncovered.empty()) {
    describe(r.expectation, "xfail", "not-covered", active);
    constexpr size_t kShown = 4;
    r.expectation.uncovered = fmt::format(
        "{}{}",
        fmt::join(uncovered.begin(),
                  uncovered.begin() + static_cast<long>(std::min(uncovered.size(), kShown)), ", "),
        uncovered.size() > kShown ? fmt::format(" and {} more", uncovered.size() - kShown) : "");
    return;
  }
  describe(r.expectation, "xfail", "met", used);
  r.expectation.failure = r.reason;
  r.status = Status::kXfail;
  r.reason = r.expectation.reason;
}

bool load_builtin_expectations(ExpectationSet* into, std::string* error) {
  for (const BuiltinExpectationFile& f : builtin_expectation_files())
    if (!parse_expectations(f.text, fmt::format("builtin:{}", f.name), into, error)) return false;
  return true;
}

}  // namespace sigctx
