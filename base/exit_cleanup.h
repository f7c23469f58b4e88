// Paths that must not outlive sigctx: a VM's work directory, a core case's dump directory, a
// matrix cell's boot image. A destructor or a handler cannot remove them when a SIGKILL ends
// the process, so a guardian process does: it holds the read end of a pipe whose write end
// only this process and its forked (not exec'd) descendants hold, and removes every path still
// registered once the last of them is gone, however it ended.
#pragma once

#include <string>

namespace sigctx {

// Registers `path` (a file or a directory tree) for removal when this process and its forked
// descendants have all ended, starting the guardian on first use. False when it could not be
// registered (no guardian, or a path longer than one atomic pipe write).
bool remove_at_exit(const std::string& path);

// Makes a directory $TMPDIR/<prefix>XXXXXX (mode 0700), registered before it exists, so that no
// moment exists at which a kill leaves it behind. Its path, or "" with *error.
std::string make_temporary_directory(const std::string& prefix, std::string* error);

// Removes `path` now and cancels its registration.
void remove_now(const std::string& path);

// The guardian's pid, or -1 before the first registration; for tests.
int exit_cleanup_guardian();

}  // namespace sigctx
