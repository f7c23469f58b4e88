// core/<variant>: a child holding its pattern takes a fatal SIGABRT at a known boundary (right
// after the hold's SYSCALL, a raw tgkill to itself); the kernel's core file must hold that
// state in NT_PRSTATUS, NT_PRFPREG and NT_X86_XSTATE.
#pragma once

#include <string>
#include <vector>

#include "core/core_file.h"
#include "engine/case.h"

namespace sigctx {

// When the crashing process loads its pattern relative to the dump.
enum class CoreTiming : uint8_t {
  kAtOnce,      // the hold loads it and dumps (every core/<variant>)
  kRealtime,    // the same under SCHED_FIFO, dumped up to 8 times until PKRU comes back wrong
  kAfterSleep,  // PKRU loaded, then a 20 ms sleep, then the hold (the control)
};

std::vector<CaseDescriptor> core_cases();

// /proc/sys/kernel/core_pattern's first line; empty where it cannot be read.
std::string read_core_pattern();
// Why the kernel's core files cannot be reached here, from core_pattern's text, or empty.
// Exposed for tests.
std::string core_pattern_unusable(const std::string& pattern);

// The checks of a core's notes beside the register values, exposed for the mutation tests:
// NT_PRSTATUS must name the crash point (crash_rip) and the fatal signal.
std::vector<Finding> check_prstatus_header(const CoreNotes& notes, uint64_t crash_rip,
                                           int fatal_signal);
// Reads the components in `holds` from a note's bytes (an FXSAVE image, or an XSAVE area when
// `extended`) into *view. A note that is absent or too short for one of them is a finding
// (core.note_missing, core.note_short), and false.
bool read_note_components(const char* name, const std::vector<uint8_t>& bytes, bool extended,
                          ComponentMask holds, const Machine& m, CpuImage* view,
                          std::vector<Finding>* findings);

}  // namespace sigctx
