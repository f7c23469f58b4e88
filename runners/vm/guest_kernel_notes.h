// What a guest's own result says its kernel lacks, as the kernel options to turn on. `sigctx vm`
// boots developers' own small kernels too: a tinyconfig-based 6.12 without ACPI ran one CPU of
// --smp 2 on a clock of 4 ms steps, and without madvise; each lack turns cases into skips, and
// named here, it can be fixed (docs/vm.md lists every option sigctx needs).
#pragma once

#include <string>
#include <vector>

#include "results/run_result.h"

namespace sigctx {

std::vector<std::string> guest_kernel_notes(const RunResult& guest, unsigned smp_asked);

}  // namespace sigctx
