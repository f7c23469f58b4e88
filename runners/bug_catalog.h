// The catalog of real historical bugs (DESIGN.md section 5). Cases name the entries they guard
// against; `sigctx explain BUG` tells their stories and `sigctx run --emulate BUG` replays their
// effect on a correct kernel (engine/emulation.h).
#pragma once

#include <span>
#include <string_view>

namespace sigctx {

struct BugEntry {
  std::string_view id;
  std::string_view system;      // where and which versions
  std::string_view transition;  // what event exposes it
  std::string_view mechanism;   // how the state went wrong inside the system
  std::string_view symptom;     // what the program saw
  std::string_view reference;   // bug number, CVE or fixing commit
};

std::span<const BugEntry> bug_catalog();
const BugEntry* find_bug(std::string_view id);

}  // namespace sigctx
