// Every process sigctx forks dies with the process that forked it, even when that one is
// killed by a SIGKILL no handler sees: a case's grandchild (a ptrace tracee, a badframe
// deliverer, a switch unit) once outlived a killed soak.
#pragma once

#include <sys/types.h>

namespace sigctx {

// In a just-forked child: asks for SIGKILL when `parent` ends, and returns false when it has
// already ended (the request came too late to see it).
bool tie_to_parent(pid_t parent);

// fork(), with the child tied to the calling thread's process (it _exits with 1 when the parent
// is already gone). A fork that fails for want of a resource is noted (base/resource_limits.h).
pid_t fork_tied_to_parent();

}  // namespace sigctx
