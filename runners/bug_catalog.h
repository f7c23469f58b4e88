// The catalog of real historical bugs (DESIGN.md section 5). Cases name the entries they guard
// against; `sigctx explain` (a later issue) tells their stories.
#pragma once

#include <span>
#include <string_view>

namespace sigctx {

struct BugEntry {
  std::string_view id;
  std::string_view system;      // where and which versions
  std::string_view transition;  // what event exposes it
  std::string_view symptom;     // what goes wrong
  std::string_view reference;   // bug number, CVE or commit
};

std::span<const BugEntry> bug_catalog();
const BugEntry* find_bug(std::string_view id);

}  // namespace sigctx
