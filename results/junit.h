// JUnit XML, the report format CI systems (Jenkins, GitLab, GitHub Actions reporters) read: one
// <testsuite> per transition (the case id without its last part), one <testcase> per result.
// fail is <failure> with the compact diff and the reproduce line, error is <error>, skip is
// <skipped>, and xfail passes with the deviation it was excused for in <system-out>. The
// machine's fingerprint is the suites' <properties>. tests/data/junit.xsd is the structure the
// tests validate against.
#pragma once

#include <string>

#include "results/run_result.h"

namespace sigctx {

std::string run_result_to_junit(const RunResult& r);

// Text made safe for XML character data and attribute values: &, <, >, " and ' escaped,
// control characters XML 1.0 cannot hold replaced by U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace sigctx
