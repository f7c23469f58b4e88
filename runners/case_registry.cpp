#include "runners/case_registry.h"

#include <fnmatch.h>

#include "alloc/go_preempt_cases.h"
#include "alloc/os_zero_cases.h"
#include "context/context_cases.h"
#include "core/core_case.h"
#include "platform/platform_cases.h"
#include "process/process_cases.h"
#include "ptrace/ptrace_cases.h"
#include "signal/badframe_cases.h"
#include "signal/routine_cases.h"
#include "signal/signal_cases.h"
#include "switch/switch_cases.h"

namespace sigctx {

const std::vector<CaseDescriptor>& all_cases() {
  static const std::vector<CaseDescriptor> cases = [] {
    std::vector<CaseDescriptor> all;
    auto add = [&](std::vector<CaseDescriptor> more) {
      for (auto& c : more)
        all.push_back(std::move(c));
    };
    // One line per family of cases.
    add(platform_cases());  // first: what the platform lacks explains the skips that follow
    add(signal_cases());
    add(badframe_cases());  // milliseconds each: before the sweeps, so they report first
    add(context_cases());   // milliseconds each too
    add(switch_cases());
    add(process_cases());
    add(ptrace_cases());
    add(core_cases());
    add(os_zero_cases());
    add(routine_cases());
    add(step_yield_cases());
    add(go_preempt_cases());
    return all;
  }();
  return cases;
}

const CaseDescriptor* find_case(const std::string& id) {
  for (const auto& c : all_cases())
    if (c.id == id) return &c;
  return nullptr;
}

bool select_cases(const std::vector<std::string>& globs, std::vector<const CaseDescriptor*>* out,
                  std::string* error) {
  out->clear();
  std::vector<bool> used(globs.size(), false);
  for (const auto& c : all_cases()) {
    // A profile case runs for a fixed time: only its exact id selects it (or --profile).
    bool take = globs.empty() && c.profile.empty();
    for (size_t i = 0; i < globs.size(); ++i) {
      const bool match =
          c.profile.empty() ? fnmatch(globs[i].c_str(), c.id.c_str(), 0) == 0 : globs[i] == c.id;
      if (match) take = used[i] = true;
    }
    if (take) out->push_back(&c);
  }
  for (size_t i = 0; i < globs.size(); ++i)
    if (!used[i]) {
      *error = "--cases '" + globs[i] + "' matches no case (see `sigctx list`)";
      return false;
    }
  return true;
}

}  // namespace sigctx
