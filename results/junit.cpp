#include "results/junit.h"

#include <fmt/format.h>
#include <map>

#include "results/console.h"
#include "results/expectations.h"

namespace sigctx {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
          out += "\xef\xbf\xbd";
        else
          out += ch;
    }
  }
  return out;
}

namespace {

std::string suite_of(const std::string& id) {
  const size_t slash = id.rfind('/');
  return slash == std::string::npos ? id : id.substr(0, slash);
}

}  // namespace

std::string run_result_to_junit(const RunResult& r) {
  // Suites in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CaseResult*>> suites;
  for (const CaseResult& c : r.cases) {
    const std::string s = suite_of(c.id);
    if (!suites.count(s)) order.push_back(s);
    suites[s].push_back(&c);
  }
  const std::string properties = fmt::format(
      "    <properties>\n"
      "      <property name=\"sigctx.version\" value=\"{}\"/>\n"
      "      <property name=\"sigctx.git_revision\" value=\"{}\"/>\n"
      "      <property name=\"os\" value=\"{} {}\"/>\n"
      "      <property name=\"cpu\" value=\"{} ({})\"/>\n"
      "      <property name=\"libc\" value=\"{} {}\"/>\n"
      "    </properties>\n",
      xml_escape(r.version), xml_escape(r.git_revision),
      xml_escape(machine_text(r.machine, "os", "sysname")),
      xml_escape(machine_text(r.machine, "os", "release")),
      xml_escape(machine_text(r.machine, "cpu", "brand")),
      xml_escape(machine_text(r.machine, "cpu", "vendor")),
      xml_escape(machine_text(r.machine, "libc", "name")),
      xml_escape(machine_text(r.machine, "libc", "version")));

  std::string body;
  for (const std::string& name : order) {
    Summary s;
    double seconds = 0;
    for (const CaseResult* c : suites[name]) {
      s.add(*c);
      seconds += c->duration_ms / 1000;
    }
    body += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{:.3f}\" timestamp=\"{}\">\n",
        xml_escape(name), s.total, s.fail, s.error, s.skip, seconds,
        xml_escape(r.started_at.empty() ? "1970-01-01T00:00:00" : r.started_at.substr(0, 19)));
    body += properties;
    for (const CaseResult* c : suites[name]) {
      body += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"",
                          xml_escape(name), xml_escape(c->id), c->duration_ms / 1000);
      const std::string detail = describe_failure(*c);
      switch (c->status) {
        case Status::kPass:
          body += "/>\n";
          break;
        case Status::kXfail:
          body += fmt::format(">\n      <system-out>XFAIL: {}\n{}</system-out>\n    </testcase>\n",
                              xml_escape(c->reason), xml_escape(detail));
          break;
        case Status::kSkip:
          body += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                              xml_escape(c->reason));
          break;
        case Status::kFail:
          body += fmt::format(
              ">\n      <failure message=\"{}\" type=\"fail\">{}  reproduce: {}\n{}</failure>\n"
              "    </testcase>\n",
              xml_escape(c->reason), xml_escape(detail), xml_escape(c->reproduce),
              c->reproducer.empty() ? "" : "  program:   " + xml_escape(c->reproducer) + "\n");
          break;
        case Status::kError:
          body += fmt::format(
              ">\n      <error message=\"{}\" type=\"error\">{}\n  reproduce: {}\n</error>\n",
              xml_escape(c->reason), xml_escape(c->output), xml_escape(c->reproduce));
          body += "    </testcase>\n";
          break;
      }
    }
    body += "  </testsuite>\n";
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"sigctx\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
      "time=\"{:.3f}\">\n{}</testsuites>\n",
      r.summary.total, r.summary.fail, r.summary.error, r.summary.skip, r.summary.duration_s, body);
}

}  // namespace sigctx
