#include "engine/ptrace_views.h"

#include <asm/prctl.h>
#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "xstate/component_registry.h"
#include "xstate/image.h"
#include "xstate/xsave_area.h"

namespace sigctx {

namespace {

// Hardware register number -> its slot in user_regs_struct.
unsigned long long user_regs_struct::*const kRegSlot[16] = {
    &user_regs_struct::rax, &user_regs_struct::rcx, &user_regs_struct::rdx, &user_regs_struct::rbx,
    &user_regs_struct::rsp, &user_regs_struct::rbp, &user_regs_struct::rsi, &user_regs_struct::rdi,
    &user_regs_struct::r8,  &user_regs_struct::r9,  &user_regs_struct::r10, &user_regs_struct::r11,
    &user_regs_struct::r12, &user_regs_struct::r13, &user_regs_struct::r14, &user_regs_struct::r15};

constexpr size_t kUserFsBase = offsetof(struct user, regs) + offsetof(user_regs_struct, fs_base);
constexpr size_t kUserGsBase = offsetof(struct user, regs) + offsetof(user_regs_struct, gs_base);
constexpr size_t kXstateMax = 64 * 1024;

ComponentMask bits(std::initializer_list<ComponentId> ids) {
  ComponentMask m = 0;
  for (ComponentId id : ids)
    m |= component_bit(id);
  return m;
}

std::string errno_text(const char* what) {
  return fmt::format("{}: {}", what, std::strerror(errno));
}

bool get_regs(pid_t pid, user_regs_struct& regs, std::string* why) {
  if (ptrace(PTRACE_GETREGS, pid, nullptr, &regs) == 0) return true;
  *why = errno_text("PTRACE_GETREGS");
  return false;
}

// Reads the XSAVE-held components of `available & wanted` from an area.
bool read_area(uint8_t* bytes, size_t len, bool extended, ComponentMask wanted, const Machine& m,
               CpuImage& out, std::string* why) {
  const XsaveArea area(bytes, len, extended);
  for (const ComponentDescriptor* c : all_components()) {
    if (!(wanted & component_bit(c->id))) continue;
    std::string w;
    if (!area.read(*c, m, out, &w)) {
      *why = fmt::format("{}: {}", c->name, w);
      return false;
    }
  }
  return true;
}

}  // namespace

const char* ptrace_view_name(PtraceView v) {
  switch (v) {
    case PtraceView::kGetRegs:
      return "PTRACE_GETREGS";
    case PtraceView::kGetFpRegs:
      return "PTRACE_GETFPREGS";
    case PtraceView::kPrFpReg:
      return "GETREGSET NT_PRFPREG";
    case PtraceView::kXstate:
      return "GETREGSET NT_X86_XSTATE";
    case PtraceView::kPeekUser:
      return "PTRACE_PEEKUSER";
    case PtraceView::kArchPrctl:
      return "PTRACE_ARCH_PRCTL";
  }
  return "?";
}

std::vector<PtraceView> all_ptrace_views() {
  return {PtraceView::kGetRegs, PtraceView::kGetFpRegs, PtraceView::kPrFpReg,
          PtraceView::kXstate,  PtraceView::kPeekUser,  PtraceView::kArchPrctl};
}

ComponentMask ptrace_view_components(PtraceView v, const Machine& m) {
  const ComponentMask available = available_components(m);
  const ComponentMask bases = bits({ComponentId::kFsbase, ComponentId::kGsbase});
  switch (v) {
    case PtraceView::kGetRegs:
      return available & (bits({ComponentId::kGpr, ComponentId::kRflags}) | bases);
    case PtraceView::kGetFpRegs:
    case PtraceView::kPrFpReg:
      return available & bits({ComponentId::kX87, ComponentId::kMxcsr, ComponentId::kSse});
    case PtraceView::kXstate: {
      if (!m.xcr0) return 0;  // no XSAVE: Linux has no NT_X86_XSTATE regset
      ComponentMask mask = 0;
      for (const ComponentDescriptor* c : all_components())
        if (c->xsave_index >= 0) mask |= component_bit(c->id);
      return available & mask;
    }
    case PtraceView::kPeekUser:
    case PtraceView::kArchPrctl:
      return available & bases;
  }
  return 0;
}

bool read_ptrace_view(pid_t pid, PtraceView v, const Machine& m, CpuImage& out, std::string* why) {
  const ComponentMask wanted = ptrace_view_components(v, m);
  switch (v) {
    case PtraceView::kGetRegs: {
      user_regs_struct regs{};
      if (!get_regs(pid, regs, why)) return false;
      for (unsigned r = 0; r < 16; ++r)
        out.gpr[r] = regs.*kRegSlot[r];
      out.rflags = regs.eflags;
      out.fsbase = regs.fs_base;
      out.gsbase = regs.gs_base;
      return true;
    }
    case PtraceView::kGetFpRegs: {
      alignas(64) user_fpregs_struct fp{};
      if (ptrace(PTRACE_GETFPREGS, pid, nullptr, &fp) != 0) {
        *why = errno_text("PTRACE_GETFPREGS");
        return false;
      }
      return read_area(reinterpret_cast<uint8_t*>(&fp), sizeof(fp), false, wanted, m, out, why);
    }
    case PtraceView::kPrFpReg: {
      alignas(64) uint8_t fp[kFxsaveBytes] = {};
      iovec iov{fp, sizeof(fp)};
      if (ptrace(PTRACE_GETREGSET, pid, reinterpret_cast<void*>(NT_PRFPREG), &iov) != 0) {
        *why = errno_text("PTRACE_GETREGSET NT_PRFPREG");
        return false;
      }
      return read_area(fp, iov.iov_len, false, wanted, m, out, why);
    }
    case PtraceView::kXstate: {
      std::vector<uint8_t> area;
      if (!get_xstate_regset(pid, area, why)) return false;
      return read_area(area.data(), area.size(), true, wanted, m, out, why);
    }
    case PtraceView::kPeekUser:
    case PtraceView::kArchPrctl: {
      for (const bool fs : {true, false}) {
        errno = 0;
        long value = 0;
        if (v == PtraceView::kPeekUser) {
          value = ptrace(PTRACE_PEEKUSER, pid,
                         reinterpret_cast<void*>(fs ? kUserFsBase : kUserGsBase), nullptr);
        } else if (ptrace(PTRACE_ARCH_PRCTL, pid, &value,
                          reinterpret_cast<void*>(fs ? ARCH_GET_FS : ARCH_GET_GS)) != 0) {
          errno = errno ? errno : EIO;
        }
        if (errno) {
          *why = errno_text(ptrace_view_name(v));
          return false;
        }
        (fs ? out.fsbase : out.gsbase) = static_cast<uint64_t>(value);
      }
      return true;
    }
  }
  return false;
}

bool get_xstate_regset(pid_t pid, std::vector<uint8_t>& area, std::string* why) {
  area.assign(kXstateMax, 0);
  iovec iov{area.data(), area.size()};
  if (ptrace(PTRACE_GETREGSET, pid, reinterpret_cast<void*>(NT_X86_XSTATE), &iov) != 0) {
    *why = errno_text("PTRACE_GETREGSET NT_X86_XSTATE");
    return false;
  }
  area.resize(iov.iov_len);
  return true;
}

bool set_xstate_regset(pid_t pid, std::vector<uint8_t>& area) {
  iovec iov{area.data(), area.size()};
  return ptrace(PTRACE_SETREGSET, pid, reinterpret_cast<void*>(NT_X86_XSTATE), &iov) == 0;
}

bool write_gprs_rflags(pid_t pid, const CpuImage& in, uint64_t rflags_mask, std::string* why) {
  user_regs_struct regs{};
  if (!get_regs(pid, regs, why)) return false;
  for (unsigned r = 0; r < 16; ++r)
    if (r != kRsp) regs.*kRegSlot[r] = in.gpr[r];
  regs.eflags = (regs.eflags & ~rflags_mask) | (in.rflags & rflags_mask);
  if (ptrace(PTRACE_SETREGS, pid, nullptr, &regs) == 0) return true;
  *why = errno_text("PTRACE_SETREGS");
  return false;
}

bool write_fsbase_pokeuser(pid_t pid, uint64_t v, std::string* why) {
  if (ptrace(PTRACE_POKEUSER, pid, reinterpret_cast<void*>(kUserFsBase),
             reinterpret_cast<void*>(v)) == 0)
    return true;
  *why = errno_text("PTRACE_POKEUSER fs_base");
  return false;
}

bool write_gsbase_arch_prctl(pid_t pid, uint64_t v, std::string* why) {
  if (ptrace(PTRACE_ARCH_PRCTL, pid, reinterpret_cast<void*>(v),
             reinterpret_cast<void*>(ARCH_SET_GS)) == 0)
    return true;
  *why = errno_text("PTRACE_ARCH_PRCTL ARCH_SET_GS");
  return false;
}

bool read_rip(pid_t pid, uint64_t* rip, std::string* why) {
  user_regs_struct regs{};
  if (!get_regs(pid, regs, why)) return false;
  *rip = regs.rip;
  return true;
}

bool set_exec_breakpoint(pid_t pid, uint64_t address, std::string* why) {
  const size_t dr0 = offsetof(struct user, u_debugreg[0]);
  const size_t dr7 = offsetof(struct user, u_debugreg[7]);
  // DR7: L0 enables DR0; R/W0 = 00 (execute) and LEN0 = 00, as instruction breakpoints need.
  const bool ok = address
                      ? ptrace(PTRACE_POKEUSER, pid, reinterpret_cast<void*>(dr0),
                               reinterpret_cast<void*>(address)) == 0 &&
                            ptrace(PTRACE_POKEUSER, pid, reinterpret_cast<void*>(dr7),
                                   reinterpret_cast<void*>(1)) == 0
                      : ptrace(PTRACE_POKEUSER, pid, reinterpret_cast<void*>(dr7), nullptr) == 0;
  if (!ok) *why = errno_text("PTRACE_POKEUSER u_debugreg");
  return ok;
}

}  // namespace sigctx
