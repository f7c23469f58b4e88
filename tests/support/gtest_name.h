// GoogleTest parameter names may hold only letters, digits and '_': case ids and bug ids are
// turned into one by replacing everything else with '_'.
#pragma once

#include <cctype>
#include <string>

namespace sigctx::test {

inline std::string gtest_name(std::string text) {
  for (char& ch : text)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return text;
}

}  // namespace sigctx::test
