#include <sys/auxv.h>
#include <sys/utsname.h>

#include "probes/probe_parts.h"

// Older libc headers lack it; the kernel has passed it on x86 since 5.14.
#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

namespace sigctx {

AuxvInfo probe_auxv() {
  AuxvInfo a;
  a.hwcap = getauxval(AT_HWCAP);
  a.hwcap2 = getauxval(AT_HWCAP2);
  a.hwcap2_fsgsbase = (a.hwcap2 >> 1) & 1;
  // 0 when absent: older kernels, and emulators (qemu-user, valgrind) that build their own auxv.
  a.minsigstksz = getauxval(AT_MINSIGSTKSZ);
  return a;
}

OsInfo probe_os() {
  OsInfo o;
  struct utsname u;
  if (uname(&u) == 0) {
    o.sysname = u.sysname;
    o.release = u.release;
    o.version = u.version;
    o.machine = u.machine;
  }
  probe_libc(&o.libc_name, &o.libc_version);
  return o;
}

}  // namespace sigctx
