// `sigctx list`: the cases, whether each runs here, and (--ctest) the lines CTest turns into one
// test per case (cmake/SigctxCaseTests.cmake).
#include <fmt/format.h>

#include "runners/case_registry.h"
#include "runners/commands.h"
#include "runners/fingerprint.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

// Labels for `ctest -L`: every case, its area ("signal"), its transition ("signal-sync") and
// the components it loads and checks ("avx"; "all-components" when not component-specific).
std::string ctest_labels(const CaseDescriptor& c) {
  std::string labels = "sigctx-case,";
  labels.append(c.id, 0, c.id.find('/'));
  std::string transition = c.transition;
  for (char& ch : transition)
    if (ch == '/') ch = '-';
  if (!transition.empty()) labels += "," + transition;
  if (c.components == 0) return labels + ",all-components";
  for (const ComponentDescriptor* comp : all_components())
    if (c.components & component_bit(comp->id)) labels += "," + std::string(comp->name);
  return labels;
}

}  // namespace

int list_command(const std::vector<std::string>& globs, bool ctest) {
  if (ctest) {
    for (const CaseDescriptor& c : all_cases()) {
      // A profile's case runs through its profile, briefly.
      const std::string extra =
          c.profile.empty() ? "" : fmt::format("\t--profile,{},--duration,1", c.profile);
      fmt::print("{}\t{}{}\n", c.id, ctest_labels(c), extra);
    }
    return kExitOk;
  }
  std::vector<const CaseDescriptor*> selected;
  std::string error;
  if (!select_cases(globs, &selected, &error)) {
    fmt::print(stderr, "sigctx: error: {}\n", error);
    return kExitUsage;
  }
  // The whole list names the profiles' cases too, with how to run them.
  if (globs.empty())
    for (const CaseDescriptor& c : all_cases())
      if (!c.profile.empty()) selected.push_back(&c);
  const Machine& m = fingerprint_machine();
  if (report_fingerprint_usage_error()) return kExitUsage;
  unsigned runnable = 0;
  for (const CaseDescriptor* c : selected) {
    const Availability a = c->applicable(m);
    runnable += a.ok;
    const std::string profile =
        c->profile.empty() ? "" : fmt::format(" (sigctx run --profile {})", c->profile);
    fmt::print("{:<34} {}{}\n", c->id, a.ok ? "runs here" : "skips here: " + a.reason, profile);
  }
  fmt::print("{} cases, {} run here\n", selected.size(), runnable);
  return kExitOk;
}

}  // namespace sigctx
