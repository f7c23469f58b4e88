#include "runners/cli_values.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace sigctx {

namespace {

bool all_digits(const std::string& v, size_t from) {
  return v.size() > from && v.find_first_not_of("0123456789", from) == std::string::npos;
}

// Every value: present, and not an option that took the missing value's place.
std::string value_given(const std::string& v) {
  if (v.empty()) return "the value is empty";
  if (v.rfind("--", 0) == 0 || v == "-o" || v == "-h")
    return "the value is missing ('" + v + "' is an option)";
  return "";
}

std::string finite_number(const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || std::isspace(static_cast<unsigned char>(v[0])))
    return "'" + v + "' is not a number";
  if (!std::isfinite(d)) return "'" + v + "' is not a finite number";
  return "";
}

std::string whole_number(const std::string& v, bool may_be_negative) {
  const size_t from = may_be_negative && !v.empty() && v[0] == '-' ? 1 : 0;
  if (!all_digits(v, from))
    return "'" + v + "' is not a whole number" + (may_be_negative ? "" : " from 0 up");
  // CLI11 2.1 wraps what does not fit in 64 bits.
  errno = 0;
  if (may_be_negative)
    (void)std::strtoll(v.c_str(), nullptr, 10);
  else
    (void)std::strtoull(v.c_str(), nullptr, 10);
  if (errno == ERANGE) return "'" + v + "' is too large";
  return "";
}

}  // namespace

void check_every_value(CLI::App* app) {
  for (CLI::Option* opt : app->get_options()) {
    if (opt->get_expected_min() == 0 || opt->get_name() == "--help" ||
        opt->get_name() == "--version")
      continue;  // a flag
    // A range check appends itself to the name ("FLOAT:FLOAT in [0.1 - 86400]").
    const std::string type = opt->get_type_name().substr(0, opt->get_type_name().find(':'));
    opt->check(CLI::Validator([](std::string& v) { return value_given(v); }, ""));
    if (type == "FLOAT")
      opt->check(CLI::Validator([](std::string& v) { return finite_number(v); }, ""));
    else if (type == "UINT")
      opt->check(CLI::Validator([](std::string& v) { return whole_number(v, false); }, ""));
    else if (type == "INT")
      opt->check(CLI::Validator([](std::string& v) { return whole_number(v, true); }, ""));
  }
  for (CLI::App* sub : app->get_subcommands({}))
    check_every_value(sub);
}

}  // namespace sigctx
