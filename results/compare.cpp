#include "results/compare.h"

#include <fmt/format.h>
#include <map>

namespace sigctx {

namespace {

int badness(Status s) {
  switch (s) {
    case Status::kSkip:
      return 0;
    case Status::kPass:
      return 1;
    case Status::kXfail:
      return 2;
    case Status::kFail:
      return 3;
    case Status::kError:
      return 4;
  }
  return 0;
}

bool good(Status s) {
  return s == Status::kPass || s == Status::kXfail;
}
bool bad(Status s) {
  return s == Status::kFail || s == Status::kError;
}

// Each case's worst iteration, in first-seen order.
std::vector<const CaseResult*> worst_by_id(const RunResult& r,
                                           std::map<std::string, const CaseResult*>* index) {
  std::vector<const CaseResult*> order;
  for (const CaseResult& c : r.cases) {
    auto [it, inserted] = index->emplace(c.id, &c);
    if (inserted)
      order.push_back(&c);
    else if (badness(c.status) > badness(it->second->status))
      it->second = &c;
  }
  for (const CaseResult*& c : order)
    c = index->at(c->id);
  return order;
}

std::string one_line(std::string s, size_t max = 160) {
  for (char& ch : s)
    if (ch == '\n') ch = ' ';
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

// Leaves of the fingerprint as "a/b/c"; arrays are compared whole (the raw CPUID leaves).
void flatten(const nlohmann::json& j, const std::string& path,
             std::map<std::string, nlohmann::json>* out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), path.empty() ? it.key() : path + "/" + it.key(), out);
    return;
  }
  (*out)[path] = j;
}

// Measurements the platform probes take anew each run (times, and the counts a probe's detail
// quotes): they differ between any two runs, so they are not fingerprint changes. A
// capability's state is.
bool measurement(const std::string& path) {
  if (path == "platform/delivery_ns" || path == "platform/syscall_ns" ||
      path == "platform/clock/step_ns")
    return true;
  const std::string caps = "platform/capabilities/", detail = "/detail";
  return path.rfind(caps, 0) == 0 && path.size() > detail.size() &&
         path.compare(path.size() - detail.size(), detail.size(), detail) == 0;
}

std::string shown(const nlohmann::json* v) {
  if (!v) return "(absent)";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_array() && v->dump().size() > 60) return fmt::format("[{} entries]", v->size());
  return v->dump();
}

}  // namespace

std::vector<const CaseResult*> worst_results(const RunResult& r) {
  std::map<std::string, const CaseResult*> index;
  return worst_by_id(r, &index);
}

std::vector<std::pair<std::string, std::string>> fingerprint_fields(const nlohmann::json& machine) {
  std::map<std::string, nlohmann::json> leaves;
  flatten(machine, "", &leaves);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [path, value] : leaves)
    out.emplace_back(path, shown(&value));
  return out;
}

Comparison compare_runs(const RunResult& before, const RunResult& after) {
  Comparison c;
  std::map<std::string, const CaseResult*> old_index, new_index;
  const auto old_order = worst_by_id(before, &old_index);
  const auto new_order = worst_by_id(after, &new_index);
  for (const CaseResult* n : new_order) {
    const auto it = old_index.find(n->id);
    if (it == old_index.end()) {
      c.added.push_back({n->id, n->status, n->status, bad(n->status) ? n->reason : ""});
      continue;
    }
    const CaseResult* o = it->second;
    CaseChange ch{n->id, o->status, n->status, ""};
    if (good(o->status) && bad(n->status)) {
      ch.detail = n->reason;
      c.regressions.push_back(ch);
    } else if (bad(o->status) && good(n->status)) {
      ch.detail = o->reason;
      c.fixes.push_back(ch);
    } else if (o->status != n->status) {
      ch.detail = bad(n->status) ? n->reason : (n->status == Status::kSkip ? n->reason : "");
      c.other_changes.push_back(ch);
    } else {
      ++c.unchanged;
    }
  }
  for (const CaseResult* o : old_order)
    if (!new_index.count(o->id)) c.vanished.push_back({o->id, o->status, o->status, ""});

  std::map<std::string, nlohmann::json> a, b;
  flatten(before.machine, "", &a);
  flatten(after.machine, "", &b);
  std::map<std::string, bool> paths;
  for (const auto& [k, v] : a)
    paths[k] = true;
  for (const auto& [k, v] : b)
    paths[k] = true;
  for (const auto& [path, unused] : paths) {
    const auto ia = a.find(path);
    const auto ib = b.find(path);
    const nlohmann::json* va = ia == a.end() ? nullptr : &ia->second;
    const nlohmann::json* vb = ib == b.end() ? nullptr : &ib->second;
    if ((va && vb && *va == *vb) || measurement(path)) continue;
    c.fingerprint.push_back({path, shown(va), shown(vb)});
  }
  return c;
}

std::string format_comparison(const Comparison& c, const std::string& before_name,
                              const std::string& after_name) {
  std::string s = fmt::format("old: {}\nnew: {}\n", before_name, after_name);
  auto section = [&](const char* title, const std::vector<CaseChange>& list, bool both) {
    if (list.empty()) return;
    s += fmt::format("\n{} ({}):\n", title, list.size());
    for (const CaseChange& ch : list) {
      const std::string statuses =
          both ? fmt::format("{} -> {}", status_name(ch.before), status_name(ch.after))
               : status_name(ch.after);
      s += fmt::format("  {:<40} {}{}\n", ch.id, statuses,
                       ch.detail.empty() ? "" : ": " + one_line(ch.detail));
    }
  };
  if (!c.fingerprint.empty()) {
    s += fmt::format("\nfingerprint changes ({}):\n", c.fingerprint.size());
    for (const FieldChange& f : c.fingerprint)
      s += fmt::format("  {}: {} -> {}\n", f.path, one_line(f.before, 70), one_line(f.after, 70));
  }
  section("REGRESSIONS", c.regressions, true);
  section("fixes", c.fixes, true);
  section("new cases", c.added, false);
  section("vanished cases", c.vanished, false);
  section("other changes", c.other_changes, true);
  s += fmt::format(
      "\n{} regression{}, {} fix{}, {} new, {} vanished, {} other change{}, {} unchanged\n",
      c.regressions.size(), c.regressions.size() == 1 ? "" : "s", c.fixes.size(),
      c.fixes.size() == 1 ? "" : "es", c.added.size(), c.vanished.size(), c.other_changes.size(),
      c.other_changes.size() == 1 ? "" : "s", c.unchanged);
  return s;
}

}  // namespace sigctx
