#include "core/core_file.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/procfs.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>

namespace sigctx {

namespace {

// Linux's x86-64 NT_X86_XSTATE; glibc's elf.h has it, older ones may not.
constexpr unsigned kNtX86Xstate = 0x202;

struct ElfHandle {
  int fd = -1;
  Elf* elf = nullptr;
  ~ElfHandle() {
    if (elf) elf_end(elf);
    if (fd >= 0) close(fd);
  }
};

}  // namespace

bool read_core_notes(const std::string& path, pid_t tid, CoreNotes* out, std::string* why) {
  *out = CoreNotes();
  if (elf_version(EV_CURRENT) == EV_NONE) {
    *why = fmt::format("libelf: {}", elf_errmsg(-1));
    return false;
  }
  ElfHandle h;
  h.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (h.fd < 0) {
    *why = fmt::format("{}: {}", path, std::strerror(errno));
    return false;
  }
  h.elf = elf_begin(h.fd, ELF_C_READ, nullptr);
  GElf_Ehdr ehdr;
  if (!h.elf || elf_kind(h.elf) != ELF_K_ELF || !gelf_getehdr(h.elf, &ehdr) ||
      ehdr.e_type != ET_CORE || ehdr.e_machine != EM_X86_64) {
    *why = fmt::format("{}: not an x86-64 ELF core file ({})", path, elf_errmsg(-1));
    return false;
  }
  size_t phnum = 0;
  if (elf_getphdrnum(h.elf, &phnum) != 0) {
    *why = fmt::format("{}: {}", path, elf_errmsg(-1));
    return false;
  }
  // Notes come per thread: NT_PRSTATUS first, then that thread's FP and XSTATE notes.
  bool ours = false;
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(h.elf, static_cast<int>(i), &ph) || ph.p_type != PT_NOTE) continue;
    Elf_Data* data =
        elf_getdata_rawchunk(h.elf, static_cast<int64_t>(ph.p_offset), ph.p_filesz, ELF_T_NHDR);
    if (!data) {
      *why = fmt::format("{}: note segment {}: {}", path, i, elf_errmsg(-1));
      return false;
    }
    GElf_Nhdr nh;
    size_t name_at = 0, desc_at = 0;
    for (size_t off = 0; (off = gelf_getnote(data, off, &nh, &name_at, &desc_at)) > 0;) {
      const auto* base = static_cast<const uint8_t*>(data->d_buf);
      const char* name = reinterpret_cast<const char*>(base + name_at);
      const uint8_t* desc = base + desc_at;
      if (nh.n_type == NT_PRSTATUS && std::strncmp(name, "CORE", nh.n_namesz) == 0) {
        if (out->prstatus && ours) return true;  // the next thread's notes begin
        if (nh.n_descsz < sizeof(elf_prstatus)) continue;
        elf_prstatus st;
        std::memcpy(&st, desc, sizeof(st));
        ours = tid == 0 || st.pr_pid == tid;
        if (!ours) continue;
        out->prstatus = true;
        out->pid = st.pr_pid;
        out->signal = st.pr_cursig;
        out->regs.assign(std::begin(st.pr_reg), std::end(st.pr_reg));
      } else if (ours && nh.n_type == NT_PRFPREG && std::strncmp(name, "CORE", nh.n_namesz) == 0) {
        out->fpregs.assign(desc, desc + nh.n_descsz);
      } else if (ours && nh.n_type == kNtX86Xstate &&
                 std::strncmp(name, "LINUX", nh.n_namesz) == 0) {
        out->xstate.assign(desc, desc + nh.n_descsz);
      }
    }
  }
  if (!out->prstatus) {
    *why = tid ? fmt::format("{}: no NT_PRSTATUS note for thread {}", path, tid)
               : fmt::format("{}: no NT_PRSTATUS note", path);
    return false;
  }
  return true;
}

}  // namespace sigctx
