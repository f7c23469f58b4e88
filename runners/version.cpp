// What `sigctx --version` says: the version and git revision, and what this binary was built
// with, so that a result from a machine under test names the build that produced it.
#include <gnu/libc-version.h>
#include <libcpuid.h>
#include <sys/auxv.h>

#include <fmt/format.h>

#include "runners/commands.h"
#include "sigctx_version.h"
#include "xstate/disasm.h"

namespace sigctx {

std::string tool_version_line() {
  return fmt::format("sigctx {} (git {})", SIGCTX_VERSION, SIGCTX_GIT_REVISION);
}

std::string tool_version_text() {
  // A static binary has no program interpreter, so the kernel passes no AT_BASE.
  const bool linked_statically = getauxval(AT_BASE) == 0;
  return fmt::format(
      "{}\nbuilt with: GCC {}, glibc {} ({}), libcpuid {}, fmt {}.{}.{}, disassembler {}",
      tool_version_line(), __VERSION__, gnu_get_libc_version(),
      linked_statically ? "static" : "dynamic", cpuid_lib_version(), FMT_VERSION / 10000,
      FMT_VERSION / 100 % 100, FMT_VERSION % 100, disassembler_name());
}

}  // namespace sigctx
