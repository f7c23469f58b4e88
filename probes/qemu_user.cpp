// Is this process run by QEMU's user-mode emulator (qemu-x86_64, linux-user)?
//
// qemu-user runs our code by translation inside an ordinary host process whose executable is
// QEMU. So that guests still work, QEMU answers a few syscalls about /proc itself, and it decides
// which by the *path string* the guest passes: readlink("/proc/self/exe") and
// readlink("/proc/<pid>/exe") answer with the guest program, and
// /proc/self/{maps,auxv,cmdline,stat} are synthesised. The kernel cannot be told to lie, so the
// same fact reached through a route whose path QEMU does not recognise still names the host
// executable: readlinkat() on a directory fd of /proc/self with the relative name "exe". Natively
// both routes ask the kernel the same question about the same process and must agree; disagreement
// means an emulator sits between us and the kernel. This holds whether QEMU was started by hand or
// by binfmt_misc (then the kernel's exe is the registered interpreter), and for static and dynamic
// guests alike.
//
// valgrind rewrites /proc/self/exe the same way, so disagreement alone says "user-mode emulator",
// not which. It is QEMU when the CPU answering CPUID is QEMU's TCG: qemu-user always translates
// with TCG, and TCG signs leaf 0x40000000 "TCGTCGTCGTCG" for every -cpu model, even with
// -cpu ...,-hypervisor (valgrind synthesises its own CPUID with no such signature). For a QEMU
// built without that signature, a host executable named qemu-* is accepted instead. Without the
// disagreement, a TCG signature only means full-system emulation (qemu-system-x86_64 -accel tcg),
// which is a hypervisor, not qemu-user.
//
// Rejected, checked under qemu-x86_64 7.2: AT_EXECFN, AT_PLATFORM, AT_BASE, /proc/self/cmdline and
// /proc/self/maps are rewritten to the guest's view; prctl(PR_GET_NAME) says "qemu-x86_64" when
// QEMU is started by hand but the program's own name under binfmt_misc; the CPUID brand depends on
// -cpu; a missing AT_MINSIGSTKSZ or vDSO is an accident of the version, not a property.
#include <fcntl.h>
#include <unistd.h>

#include <climits>

#include "probes/probe_parts.h"

namespace sigctx {

namespace {

std::string read_link(int dirfd, const char* path) {
  char buf[PATH_MAX];
  const ssize_t n = readlinkat(dirfd, path, buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string basename_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

ExecutableViews probe_executable_views() {
  ExecutableViews v;
  v.reported = read_link(AT_FDCWD, "/proc/self/exe");
  // O_PATH: only a handle to resolve "exe" against; nothing in /proc/self is opened for reading.
  const int dir = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    v.kernel = read_link(dir, "exe");
    close(dir);
  }
  return v;
}

bool looks_like_qemu_user(const ExecutableViews& views, const std::string& cpuid_signature,
                          bool valgrind) {
  if (valgrind || !views.disagree()) return false;
  return cpuid_signature == "TCGTCGTCGTCG" || basename_of(views.kernel).starts_with("qemu-");
}

}  // namespace sigctx
