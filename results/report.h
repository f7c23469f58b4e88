// The matrix across machines (sigctx report FILE.json... -o OUT.html|OUT.md): cases by machine,
// a colour per status, each failure's diff and reproduce line, each column's fingerprint.
// The HTML is one self-contained file (inline style, script and data; it loads nothing): the
// script builds the table from the embedded JSON, a click on a cell shows that result's
// details, and a URL fragment "#case=ID&machine=N" opens one on load.
#pragma once

#include <string>
#include <vector>

#include "results/run_result.h"

namespace sigctx {

struct ReportColumn {
  std::string name;  // the result file's stem: "linux-6.18-kvm-amd-epyc-avx512"
  RunResult run;
};

// The data both formats show: machines, and per case one cell per machine.
nlohmann::json report_data(const std::vector<ReportColumn>& columns);
std::string report_html(const std::vector<ReportColumn>& columns);
std::string report_markdown(const std::vector<ReportColumn>& columns);

}  // namespace sigctx
