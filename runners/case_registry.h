// Every case, registered in one place (case_registry.cpp), and selection by glob.
#pragma once

#include <string>
#include <vector>

#include "engine/case.h"

namespace sigctx {

const std::vector<CaseDescriptor>& all_cases();
const CaseDescriptor* find_case(const std::string& id);

// Cases whose id matches any of the globs (fnmatch, '*' also crosses '/'), in registry order.
// An empty list selects every case but the profiles' (CaseDescriptor::profile), which only their
// exact id selects. A glob that matches nothing is an error: *error names it.
bool select_cases(const std::vector<std::string>& globs, std::vector<const CaseDescriptor*>* out,
                  std::string* error);

}  // namespace sigctx
