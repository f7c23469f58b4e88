// sigctx explain BUG|CASE: a catalog entry's story and the cases that catch it, or a case's
// checks and the bugs it guards against.
#include <fmt/format.h>

#include "engine/emulation.h"
#include "runners/bug_catalog.h"
#include "runners/case_registry.h"
#include "runners/commands.h"
#include "runners/fingerprint.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

// "  label:      text", the text wrapped at word boundaries to fit 100 columns.
void print_field(std::string_view label, std::string_view text) {
  constexpr size_t kIndent = 14, kWidth = 100;
  std::string line = fmt::format("  {:<11} ", std::string(label) + ":");
  size_t pos = 0;
  bool first_word = true;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(pos, end - pos);
    if (!first_word && line.size() + 1 + word.size() > kWidth) {
      fmt::print("{}\n", line);
      line = std::string(kIndent, ' ');
      first_word = true;
    }
    line += first_word ? "" : " ";
    line += word;
    first_word = false;
    pos = end + 1;
  }
  fmt::print("{}\n", line);
}

void explain_bug(const BugEntry& b) {
  fmt::print("{}\n", b.id);
  print_field("system", b.system);
  print_field("transition", b.transition);
  print_field("mechanism", b.mechanism);
  print_field("symptom", b.symptom);
  print_field("reference", b.reference);
  const Emulation* e = find_emulation(b.id);
  print_field("--emulate", !e ? std::string("not emulated yet")
                           : !e->not_emulated.empty()
                               ? "not emulated: " + std::string(e->not_emulated)
                               : std::string(e->effect));
  std::vector<const CaseDescriptor*> catching;
  for (const CaseDescriptor& c : all_cases())
    for (const std::string& g : c.guards)
      if (g == b.id) catching.push_back(&c);
  if (catching.empty()) {
    print_field("caught by", "no case yet");
    return;
  }
  fmt::print("  caught by:  {} case{}\n", catching.size(), catching.size() == 1 ? "" : "s");
  for (const CaseDescriptor* c : catching)
    fmt::print("    {}\n", c->id);
}

void explain_case(const CaseDescriptor& c) {
  fmt::print("{}\n", c.id);
  print_field("checks", c.description);
  print_field("transition", c.transition);
  print_field("handler", c.handler);
  print_field("injector", c.injector);
  print_field("routine", c.routine);
  print_field("components", c.components ? component_names(c.components)
                                         : std::string("every component available"));
  const Availability a = c.applicable(live_machine());
  print_field("here", a.ok ? std::string("runs") : "skips: " + a.reason);
  if (c.guards.empty()) {
    print_field("guards", "no catalog bug");
    return;
  }
  fmt::print("  guards:\n");
  for (const std::string& g : c.guards) {
    const BugEntry* b = find_bug(g);
    fmt::print("    {:<24} {}\n", g, b ? b->symptom : std::string_view("(unknown)"));
  }
}

}  // namespace

int explain_command(const std::string& what) {
  if (what.empty()) {
    fmt::print(
        "The catalog of real bugs (sigctx explain BUG tells one; sigctx explain CASE "
        "names a case's):\n");
    for (const BugEntry& b : bug_catalog()) {
      const Emulation* e = find_emulation(b.id);
      fmt::print("  {:<24} {}{}\n", b.id, b.system,
                 e && e->not_emulated.empty() ? "  [--emulate]" : "");
    }
    return kExitOk;
  }
  if (const BugEntry* b = find_bug(what)) {
    explain_bug(*b);
    return kExitOk;
  }
  if (const CaseDescriptor* c = find_case(what)) {
    explain_case(*c);
    return kExitOk;
  }
  fmt::print(stderr,
             "sigctx: error: explain: '{}' is neither a catalog bug nor a case id (sigctx "
             "explain lists the bugs, sigctx list the cases)\n",
             what);
  return kExitUsage;
}

}  // namespace sigctx
