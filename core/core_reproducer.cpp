// core/<variant> as a standalone reproducer (engine/reproducer.h).
#include "core/core_reproducer.h"

#include <fmt/format.h>

namespace sigctx {

namespace {

constexpr const char* kCoreDriver = R"C(
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/resource.h>
/* ---- core (sigctx's core/core_case.cpp): a child moves into a fresh directory, holds the
 * state and raises SIGABRT with a tgkill system call from inside the hold; the kernel writes a
 * core file, whose NT_PRSTATUS and NT_X86_XSTATE notes must hold the values. It needs a
 * core_pattern that writes into the dumping process's directory: sysctl kernel.core_pattern=core.
 * With SIGCTX_INJECT_FAULT, one register of the notes takes thread 1's value. ---- */

/* The first NT_PRSTATUS (its pr_reg, at byte 112) and NT_X86_XSTATE notes: bit 0 and bit 1. */
static int read_notes(const char *path, uint8_t *xs, uint64_t *g) {
  static uint8_t buf[1 << 20];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f) fclose(f);
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
  int found = 0;
  if (n < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG)) return 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(buf + eh->e_phoff + i * eh->e_phentsize);
    if (ph->p_type != PT_NOTE || ph->p_offset + ph->p_filesz > n) continue;
    for (size_t off = ph->p_offset; off + 12 <= ph->p_offset + ph->p_filesz;) {
      const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(buf + off);
      const uint8_t *desc = buf + off + 12 + ((nh->n_namesz + 3) & ~3u);
      if (nh->n_type == NT_PRSTATUS && !(found & 1) && nh->n_descsz >= 112 + 27 * 8) {
        for (int k = 0; k < NGPR + 1; k++) memcpy(&g[k], desc + 112 + 8 * user_reg_of[k], 8);
        found |= 1;
      }
      if (nh->n_type == NT_X86_XSTATE && !(found & 2)) {
        memcpy(xs, desc, nh->n_descsz < xsave_bytes ? nh->n_descsz : xsave_bytes);
        found |= 2;
      }
      off += 12 + ((nh->n_namesz + 3) & ~3u) + ((nh->n_descsz + 3) & ~3u);
    }
  }
  return found;
}

/* The child: into `dir`, core files allowed, no memory in them, then the held SIGABRT. */
static void crash(const char *dir) {
  struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
  int fd = open("/proc/self/coredump_filter", O_WRONLY);
  if (chdir(dir) || setrlimit(RLIMIT_CORE, &unlimited)) _exit(2);
  if (fd >= 0) (void)!write(fd, "0", 1), close(fd);
  struct transition tr = {SYS_tgkill, {getpid(), syscall(SYS_gettid), SIGABRT}, 1, NULL};
  PAUSE_BEFORE_DUMP;
  hold(MAIN, &tr);
  _exit(2); /* not reached: SIGABRT's default action ends the process */
}

static int run_case(void) {
  char pattern[256] = "", dir[] = "/tmp/sigctx-core-XXXXXX", path[512] = "";
  FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
  if (f) (void)!fgets(pattern, sizeof pattern, f), fclose(f);
  pattern[strcspn(pattern, "\n")] = 0;
  if (!pattern[0] || pattern[0] == '|' || strchr(pattern, '/'))
    return printf("SKIP: core_pattern \"%s\" writes no file into the dumping process's "
                  "directory; sysctl kernel.core_pattern=core runs this\n", pattern), 77;
  if (!mkdtemp(dir)) return perror("mkdtemp"), 2;
  uint8_t *xs = aligned_alloc(64, xsave_bytes);
  uint64_t g[NGPR + 1];
  int rc = 0;
  for (int n = 1; n <= ITERATIONS && !rc; n++) {
    int st;
    pid_t pid = fork();
    if (pid == 0) crash(dir);
    waitpid(pid, &st, 0);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
      if (e->d_name[0] != '.') snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (d) closedir(d);
    memset(xs, 0, xsave_bytes);
    const int found = path[0] ? read_notes(path, xs, g) : 0;
    if (path[0]) unlink(path), path[0] = 0;
    if (!WIFSIGNALED(st) || !WCOREDUMP(st) || found != 3) {
      printf("  dump %d: wait status %#x, notes found %#x of 0x3\n", n, st, found);
      rc = 2;
      break;
    }
    normalise(xs);
#ifdef SIGCTX_INJECT_FAULT
    inject_fault(xs, g, img[OTHER], gpr[OTHER]);
#endif
#if defined(SIGCTX_EMULATE) && defined(EMULATE_CORE_NOTE)
    emulate_core_note(xs, g);
#endif
    char where[64];
    snprintf(where, sizeof where, "in the core file (dump %d of %d)", n, ITERATIONS);
    if (compare(xs, g, MAIN, 0, where)) rc = 1;
  }
  rmdir(dir);
  return rc;
}
)C";

}  // namespace

ReproducerPlan core_reproducer(const SwitchVariant& v, bool pause_before_dump) {
  ReproducerPlan p;
  p.macros = pause_before_dump
                 ? "/* The control: PKRU (with the rest) loaded, then a sleep, which switches the "
                   "child out, before the hold loads it again and dumps. */\n"
                   "#define PAUSE_BEFORE_DUMP (load_role(MAIN), usleep(20000))\n"
                   "#define PAUSED_BEFORE_DUMP 1\n"
                 : "#define PAUSE_BEFORE_DUMP (void)0\n#define PAUSED_BEFORE_DUMP 0\n";
  p.driver = kCoreDriver;
  p.what = fmt::format("core/{}: {}", v.name, held_description(v));
  p.checked = v.components;
  p.emulation_points = "EMULATE_CORE_NOTE";
  return p;
}

}  // namespace sigctx
