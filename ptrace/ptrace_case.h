// ptrace/: a tracer stops the tracee at an exact instruction boundary (a debug-register
// breakpoint on the hold's transition point, or PTRACE_SINGLESTEP up to it where the debug
// registers are unavailable) while it holds its pattern, and compares every view it has of the
// registers with the truth, or writes its own values and checks that the tracee continues with
// them.
#pragma once

#include "engine/case.h"

namespace sigctx {

enum class PtraceMode : uint8_t {
  kRead,       // every view must equal the tracee's pattern
  kWrite,      // SETREGS, SETREGSET, POKEUSER and ARCH_PRCTL writes must take effect
  kWriteInit,  // a component whose XSTATE_BV bit the tracer clears must come back in init state
  kBadHeader,  // a SETREGSET header XRSTOR rejects must be refused, the tracee left as it was
};

enum class BadHeader : uint8_t { kXcompBv, kReserved, kXstateBvBeyondXcr0 };

struct PtraceCaseSpec {
  PtraceMode mode = PtraceMode::kRead;
  ComponentMask components = 0;                    // 0 = every available component
  ComponentId init_component = ComponentId::kSse;  // kWriteInit
  BadHeader bad_header = BadHeader::kXcompBv;      // kBadHeader
};

void run_ptrace_case(const PtraceCaseSpec& spec, const CaseContext& ctx, CaseResult& r);

// Why ptrace cannot run in this environment, or empty.
std::string ptrace_unavailable(const Machine& m);

}  // namespace sigctx
