#include "results/report.h"

#include "results/printable.h"

#include <fmt/format.h>
#include <map>

#include "results/compare.h"
#include "results/console.h"
#include "results/expectations.h"
#include "results/junit.h"

namespace sigctx {

namespace {

// The environment as the expectations see it, and for a native run the hypervisor under it.
std::string environment_of(const nlohmann::json& machine) {
  // sigctx vm's guests: the emulator, its CPU model and the kernel options.
  if (const auto vm = machine.find("vm"); vm != machine.end() && vm->is_object()) {
    std::string e =
        fmt::format("{} -cpu {}", vm->value("emulator", ""), vm->value("cpu_model", ""));
    if (vm->contains("accel")) e += " (" + vm->value("accel", "") + ")";
    if (!vm->value("append", "").empty()) e += ", kernel options: " + vm->value("append", "");
    if (machine.contains("unavailable")) e += "; no result: " + machine.value("unavailable", "");
    return e;
  }
  const std::string env = platform_facts(machine).environment;
  const nlohmann::json e = machine.value("environment", nlohmann::json::object());
  if (env != "native" || !e.value("hypervisor", false)) return env;
  return "native (VM: " + e.value("hypervisor_vendor", "") + ")";
}

// What the platform probes found, in one line: the delivery cost and every capability that is
// not simply there. Empty for files from before the probes.
std::string platform_of(const nlohmann::json& machine) {
  const auto p = machine.find("platform");
  if (p == machine.end() || !p->is_object() || !p->value("probed", false)) return "";
  std::string s =
      fmt::format("platform: a delivery costs {:.1f} us", p->value("delivery_ns", 0.0) / 1000);
  const nlohmann::json caps = p->value("capabilities", nlohmann::json::object());
  for (auto it = caps.begin(); it != caps.end(); ++it) {
    if (!it->is_object()) continue;
    const std::string state = it->value("state", "");
    if (state != "works") s += fmt::format("; {} {}: {}", it.key(), state, it->value("detail", ""));
  }
  return s;
}

std::string cell_detail(const CaseResult& r) {
  std::string d;
  if (r.status == Status::kFail || r.status == Status::kXfail || r.status == Status::kError) {
    if (!r.reason.empty()) d += r.reason + "\n";
    d += describe_failure(r, 12);
    if (!r.reproduce.empty()) d += "  reproduce: " + r.reproduce + "\n";
    if (!r.reproducer.empty()) d += "  program:   " + r.reproducer + "\n";
  } else if (!r.reason.empty()) {
    d = r.reason;
  }
  return d;
}

// JSON inside <script>: "</" would end the element.
std::string script_safe(std::string json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += json[i];
    }
  }
  return out;
}

constexpr const char* kStyle = R"css(
body { font: 13px/1.4 system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 18px; margin: 0 0 .3em; }
p.note { color: #555; margin: .2em 0 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 6px; }
th.machine { vertical-align: bottom; text-align: left; max-width: 16em; font-weight: normal; }
th.machine b { display: block; }
td.id { font-family: monospace; white-space: nowrap; }
tr.area td { background: #eee; font-weight: bold; }
td.cell { text-align: center; cursor: pointer; font-family: monospace; min-width: 4em; }
td.pass { background: #b7e4b0; } td.fail { background: #f2a0a0; }
td.error { background: #f5c16c; } td.xfail { background: #c9c3ef; }
td.skip { background: #f0f0f0; color: #888; } td.none { background: #fff; color: #bbb; }
tr.detail td { background: #fffbe6; }
tr.detail pre { margin: 0; white-space: pre-wrap; font-size: 12px; }
details pre { font-size: 11px; margin: .3em 0; }
span.count { display: block; font-size: 11px; color: #555; }
span.platform { display: block; font-size: 11px; color: #8a4b00; }
)css";

constexpr const char* kScript = R"js(
(function () {
  var data = JSON.parse(document.getElementById('sigctx-data').textContent);
  var table = document.getElementById('matrix');
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  var head = el('tr');
  head.appendChild(el('th', '', 'case'));
  data.machines.forEach(function (m, i) {
    var th = el('th', 'machine');
    th.setAttribute('data-machine', i);
    th.appendChild(el('b', '', m.name));
    th.appendChild(el('span', '', m.summary));
    th.appendChild(el('span', 'count', m.counts));
    if (m.platform) th.appendChild(el('span', 'platform', m.platform));
    var det = el('details');
    det.appendChild(el('summary', '', 'fingerprint'));
    det.appendChild(el('pre', '', m.fingerprint));
    th.appendChild(det);
    head.appendChild(th);
  });
  table.appendChild(head);
  var area = '';
  data.cases.forEach(function (c) {
    var a = c.id.split('/').slice(0, 2).join('/');
    if (a !== area) {
      area = a;
      var ar = el('tr', 'area');
      var td = el('td', '', a);
      td.colSpan = data.machines.length + 1;
      ar.appendChild(td);
      table.appendChild(ar);
    }
    var tr = el('tr');
    tr.setAttribute('data-case', c.id);
    tr.appendChild(el('td', 'id', c.id));
    c.cells.forEach(function (cell, i) {
      var td = el('td', 'cell ' + cell.status, cell.status === 'none' ? '-' : cell.status.toUpperCase());
      td.title = cell.reason || '';
      td.addEventListener('click', function () { toggle(tr, c, i); });
      tr.appendChild(td);
    });
    table.appendChild(tr);
  });
  function toggle(tr, c, i) {
    var next = tr.nextSibling;
    if (next && next.className === 'detail') {
      var same = next.getAttribute('data-machine') === String(i);
      next.parentNode.removeChild(next);
      if (same) return;
    }
    var d = el('tr', 'detail');
    d.setAttribute('data-machine', i);
    var td = el('td');
    td.colSpan = data.machines.length + 1;
    var cell = c.cells[i];
    td.appendChild(el('pre', '', c.id + ' on ' + data.machines[i].name + ': ' +
                      cell.status.toUpperCase() + '\n' + (cell.detail || cell.reason || '')));
    d.appendChild(td);
    tr.parentNode.insertBefore(d, tr.nextSibling);
  }
  // "#case=ID&machine=N" opens that result's details, as a click does.
  var want = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('=');
    if (p.length === 2) want[p[0]] = decodeURIComponent(p[1]);
  });
  if (want['case'] !== undefined) {
    var rows = table.querySelectorAll('tr[data-case]');
    for (var r = 0; r < rows.length; r++) {
      if (rows[r].getAttribute('data-case') === want['case']) {
        var idx = Number(want['machine'] || 0);
        data.cases.forEach(function (c) { if (c.id === want['case']) toggle(rows[r], c, idx); });
      }
    }
  }
  document.getElementById('status').textContent =
      data.cases.length + ' cases on ' + data.machines.length + ' machines';
})();
)js";

}  // namespace

nlohmann::json report_data(const std::vector<ReportColumn>& columns) {
  nlohmann::json machines = nlohmann::json::array();
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CaseResult*>> by_case;
  for (size_t i = 0; i < columns.size(); ++i) {
    const RunResult& run = columns[i].run;
    std::string fingerprint;
    for (const auto& [path, value] : fingerprint_fields(run.machine))
      fingerprint += path + ": " + value + "\n";
    const Summary& s = run.summary;  // counted from the cases as the file was read
    machines.push_back(
        {{"name", columns[i].name},
         {"summary",
          fmt::format("{} ({}), {} {}, {} {}, {}", machine_text(run.machine, "cpu", "brand"),
                      machine_text(run.machine, "cpu", "vendor"),
                      machine_text(run.machine, "os", "sysname"),
                      machine_text(run.machine, "os", "release"),
                      machine_text(run.machine, "libc", "name"),
                      machine_text(run.machine, "libc", "version"), environment_of(run.machine))},
         {"counts", fmt::format("{} pass, {} fail, {} error, {} xfail, {} skip", s.pass, s.fail,
                                s.error, s.xfail, s.skip)},
         {"platform", platform_of(run.machine)},
         {"fingerprint", fingerprint},
         {"sigctx", fmt::format("{} (git {})", run.version, run.git_revision)}});
    for (const CaseResult* c : worst_results(run)) {
      auto& cells = by_case[c->id];
      if (cells.empty()) order.push_back(c->id);
      cells.resize(columns.size(), nullptr);
      cells[i] = c;
    }
  }
  // Emulators offer no XSAVEC/XSAVES: what their columns can and cannot say.
  nlohmann::json notes = nlohmann::json::array();
  size_t emulated = 0;
  for (const ReportColumn& c : columns)
    emulated += c.run.machine.contains("vm");
  if (emulated > 0)
    notes.push_back(fmt::format(
        "{} of the {} columns ran in an emulated machine (sigctx vm: QEMU's TCG or bochs). "
        "Neither emulates XSAVEC or XSAVES, so those columns exercise only the standard XSAVE "
        "format in signal frames, context switches and core files; the compacted and "
        "supervisor formats real CPUs use are tested only on real hardware or under KVM.",
        emulated, columns.size()));
  nlohmann::json cases = nlohmann::json::array();
  for (const std::string& id : order) {
    auto& cells = by_case[id];
    cells.resize(columns.size(), nullptr);
    nlohmann::json row = {{"id", id}, {"cells", nlohmann::json::array()}};
    for (const CaseResult* c : cells)
      row["cells"].push_back(c ? nlohmann::json{{"status", status_name(c->status)},
                                                {"reason", c->reason},
                                                {"detail", cell_detail(*c)}}
                               : nlohmann::json{{"status", "none"},
                                                {"reason", "not in this result file"},
                                                {"detail", ""}});
    cases.push_back(std::move(row));
  }
  return {{"machines", machines}, {"cases", cases}, {"notes", notes}};
}

std::string report_html(const std::vector<ReportColumn>& columns) {
  const nlohmann::json data = report_data(columns);
  std::string notes_html;
  for (const auto& n : data["notes"])
    notes_html += "<p class=\"note vm\">" + xml_escape(n.get<std::string>()) + "</p>\n";
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>sigctx: {} cases on {} machines</title>\n<style>{}</style>\n</head>\n<body>\n"
      "<h1>sigctx matrix</h1>\n"
      "<p class=\"note\" id=\"status\">This report needs JavaScript to build its table.</p>\n"
      "<p class=\"note\">Click a cell for the result's details (the diff and the command that "
      "reproduces it); open a column's fingerprint under its name. PASS, FAIL, ERROR, XFAIL "
      "(a deviation the platform's expectation file excuses), SKIP (cannot run there), - (not "
      "in that result file).</p>\n"
      "{}"
      "<table id=\"matrix\"></table>\n"
      "<script type=\"application/json\" id=\"sigctx-data\">{}</script>\n"
      "<script>{}</script>\n</body>\n</html>\n",
      data["cases"].size(), data["machines"].size(), kStyle, notes_html, script_safe(data.dump()),
      kScript);
}

std::string report_markdown(const std::vector<ReportColumn>& columns) {
  const nlohmann::json data = report_data(columns);
  auto md = [](std::string s) {
    std::string out;
    for (char ch : s) {
      if (ch == '|')
        out += "\\|";
      else if (ch == '\n')
        out += ' ';
      else
        out += ch;
    }
    return out;
  };
  std::string s = fmt::format("# sigctx matrix: {} cases on {} machines\n\n", data["cases"].size(),
                              data["machines"].size());
  for (const auto& n : data["notes"])
    s += "> " + n.get<std::string>() + "\n\n";
  s += "| machine | what | results | sigctx |\n|---|---|---|---|\n";
  for (const auto& m : data["machines"])
    s += fmt::format("| `{}` | {} | {} | {} |\n", md(m["name"]), md(m["summary"]), md(m["counts"]),
                     md(m["sigctx"]));
  for (const auto& m : data["machines"])
    if (!m["platform"].get<std::string>().empty())
      s += fmt::format("\n`{}`: {}\n", md(m["name"]), md(m["platform"]));
  s += "\n| case |";
  for (size_t i = 0; i < data["machines"].size(); ++i)
    s += fmt::format(" {} |", i + 1);
  s += "\n|---|";
  for (size_t i = 0; i < data["machines"].size(); ++i)
    s += "---|";
  s += "\n";
  std::string failures;
  for (const auto& c : data["cases"]) {
    s += fmt::format("| `{}` |", md(c["id"]));
    for (size_t i = 0; i < c["cells"].size(); ++i) {
      const std::string status = c["cells"][i]["status"];
      const bool bad = status == "fail" || status == "error";
      s += status == "none" ? " - |"
                            : fmt::format(" {}{}{} |", bad ? "**" : "", status, bad ? "**" : "");
      if (bad || status == "xfail")
        failures +=
            fmt::format("### `{}` on {} ({})\n\n```\n{}```\n\n", c["id"].get<std::string>(),
                        c["cells"].size() > 1
                            ? fmt::format("machine {} `{}`", i + 1,
                                          data["machines"][i]["name"].get<std::string>())
                            : fmt::format("`{}`", data["machines"][i]["name"].get<std::string>()),
                        status, c["cells"][i]["detail"].get<std::string>());
    }
    s += "\n";
  }
  if (!failures.empty()) s += "\n## Failures and excused deviations\n\n" + failures;
  // Whoever opens the file may cat it to a terminal: no escape sequence from the inputs.
  return printable(s);
}

}  // namespace sigctx
