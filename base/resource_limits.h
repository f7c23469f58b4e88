// A process or descriptor sigctx could not create for want of a resource is the limits the run
// was given (ulimit -n, -u, -v), not the kernel's verdict on a case: it must stop the run with
// exit 2 naming the limit, never read as an error or a failure of the case that met it.
#pragma once

#include <string>

namespace sigctx {

// Whether errno value `err` means "out of a resource" (EAGAIN, ENOMEM, EMFILE, ENFILE).
bool is_resource_errno(int err);

// Records, once per process, that `what` (such as "fork" or "a thread") failed with `err`
// when that is a resource errno; any other errno is ignored.
void note_resource_failure(const char* what, int err);

// Forgets what was noted: a forked case starts clean of what its parent met.
void forget_resource_failure();

// The first resource failure noted in this process, with the limits that bear on it; empty
// when none was noted.
std::string resource_failure();

// `message`, followed by the limits in force in parentheses when any is set: how every
// resource failure is worded.
std::string with_resource_limits(const std::string& message);

// "ulimit -n 16 (open files), ulimit -u 4 (processes), ulimit -v 30000 KiB": the limits
// below unlimited that bear on creating processes, threads and descriptors.
std::string describe_resource_limits();

}  // namespace sigctx
