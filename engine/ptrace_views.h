// What a tracer sees of a stopped tracee's registers, and how it changes them: each ptrace
// interface read into an image, so that it can be compared with the truth, and written from
// one. Linux x86-64 interfaces; see docs/porting.md for other systems.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "probes/machine.h"
#include "xstate/component.h"

namespace sigctx {

enum class PtraceView : uint8_t {
  kGetRegs,    // PTRACE_GETREGS: user_regs_struct (GPRs, eflags, fs_base, gs_base)
  kGetFpRegs,  // PTRACE_GETFPREGS: user_fpregs_struct, the FXSAVE image
  kPrFpReg,    // PTRACE_GETREGSET NT_PRFPREG: the same image through the regset interface
  kXstate,     // PTRACE_GETREGSET NT_X86_XSTATE: the standard-format XSAVE area
  kPeekUser,   // PTRACE_PEEKUSER of fs_base and gs_base in the user area
  kArchPrctl,  // PTRACE_ARCH_PRCTL ARCH_GET_FS and ARCH_GET_GS
};
const char* ptrace_view_name(PtraceView v);
std::vector<PtraceView> all_ptrace_views();
// The components a view holds, of those available.
ComponentMask ptrace_view_components(PtraceView v, const Machine& m);

// Reads a view of a stopped tracee into `out` (only the view's components). False with *why.
bool read_ptrace_view(pid_t pid, PtraceView v, const Machine& m, CpuImage& out, std::string* why);

// The tracee's NT_X86_XSTATE area, as GETREGSET returns it (its length is the regset's).
bool get_xstate_regset(pid_t pid, std::vector<uint8_t>& area, std::string* why);
// SETREGSET NT_X86_XSTATE with `area`; false with errno set when the kernel refuses it.
bool set_xstate_regset(pid_t pid, std::vector<uint8_t>& area);

// Writes the tracee's GPRs (all but rsp) and RFLAGS's patterned bits with SETREGS, keeping the
// rest of user_regs_struct as GETREGS returned it.
bool write_gprs_rflags(pid_t pid, const CpuImage& in, uint64_t rflags_mask, std::string* why);
// FS base through the user area (POKEUSER), GS base through PTRACE_ARCH_PRCTL: both ways a
// tracer has.
bool write_fsbase_pokeuser(pid_t pid, uint64_t v, std::string* why);
bool write_gsbase_arch_prctl(pid_t pid, uint64_t v, std::string* why);

// The tracee's rip.
bool read_rip(pid_t pid, uint64_t* rip, std::string* why);
// Arms (or, with address 0, disarms) debug register 0 as an execute breakpoint.
bool set_exec_breakpoint(pid_t pid, uint64_t address, std::string* why);

}  // namespace sigctx
