// Which C library we run on. Expectations differ per libc (glibc's setcontext restores MXCSR and
// the x87 control word; musl has no getcontext at all), so this is detected, never assumed.
//
// <unistd.h> comes first: it pulls in <features.h>, which is what defines __GLIBC__ on glibc.
#include <unistd.h>

#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "probes/probe_parts.h"

namespace sigctx {

void probe_libc(std::string* name, std::string* version) {
#ifdef __GLIBC__
  // The version of the glibc actually loaded, not the headers this was compiled against.
  *name = "glibc";
  *version = gnu_get_libc_version();
#else
  // musl deliberately defines no identifying macro and has no version API; it is the only other
  // libc sigctx builds against (see DESIGN.md section 9). confstr is asked in case a libc that
  // offers _CS_GNU_LIBC_VERSION shows up here; musl answers EINVAL and the version stays empty.
  *name = "musl";
  version->clear();
#ifdef _CS_GNU_LIBC_VERSION
  char buf[128];
  const size_t n = confstr(_CS_GNU_LIBC_VERSION, buf, sizeof buf);
  if (n > 0 && n <= sizeof buf) *version = buf;
#endif
#endif
}

}  // namespace sigctx
