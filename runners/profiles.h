// Profiles: a named workload of one or more cases that run for a fixed time and report what a
// user of the platform would measure, not only a verdict (sigctx run --profile NAME). Their
// cases are registered like any other, with CaseDescriptor::profile set.
#pragma once

#include <string>
#include <vector>

#include "model/case_result.h"

namespace sigctx {

struct Profile {
  const char* name;
  const char* description;
  std::vector<std::string> cases;  // exact case ids
  double default_seconds;          // without --duration
  // One paragraph for a person, from a finished case's facts and status.
  std::string (*summarize)(const CaseResult&);
};

const std::vector<Profile>& profiles();
const Profile* find_profile(const std::string& name);
// "go-preempt, ..." for error messages.
std::string profile_names();

}  // namespace sigctx
