// The register notes of an ELF core file, read with libelf: NT_PRSTATUS (general registers,
// RFLAGS, FS/GS base), NT_PRFPREG (the FXSAVE image) and NT_X86_XSTATE (the standard-format
// XSAVE area), for the thread that took the fatal signal.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sigctx {

struct CoreNotes {
  bool prstatus = false;
  pid_t pid = 0;   // pr_pid of the thread's NT_PRSTATUS
  int signal = 0;  // pr_cursig
  // pr_reg in Linux's user_regs_struct order: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx
  // rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs.
  std::vector<uint64_t> regs;
  std::vector<uint8_t> fpregs;  // NT_PRFPREG
  std::vector<uint8_t> xstate;  // NT_X86_XSTATE
};

// Reads the notes of thread `tid` (0: the first NT_PRSTATUS). False with *why naming the file
// and what is wrong with it.
bool read_core_notes(const std::string& path, pid_t tid, CoreNotes* out, std::string* why);

}  // namespace sigctx
