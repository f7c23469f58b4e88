#include <gnu/libc-version.h>
#include <sys/auxv.h>
#include <sys/utsname.h>

#include "probes/probe_parts.h"

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

namespace sigctx {

AuxvInfo probe_auxv() {
  AuxvInfo a;
  a.hwcap = getauxval(AT_HWCAP);
  a.hwcap2 = getauxval(AT_HWCAP2);
  a.hwcap2_fsgsbase = (a.hwcap2 >> 1) & 1;
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
  o.libc_name = "glibc";
  o.libc_version = gnu_get_libc_version();
  return o;
}

}  // namespace sigctx
