// The rules Linux sets for AMX tile state, beside preserving it (which every signal, context,
// switch and process family checks through the amx_tilecfg and amx_tiledata components):
// - signal/amx/permission: a tile instruction before arch_prctl(ARCH_REQ_XCOMP_PERM) raises
//   SIGILL; after it, tiles work, and a forked child inherits the permission.
// - signal/amx/altstack: the permission is refused while the current sigaltstack is too small
//   for a frame with tiles, and once it is granted sigaltstack(2) refuses such a stack; the
//   floor it then enforces is recorded beside AT_MINSIGSTKSZ (which Linux computes for every
//   XCR0 feature, tile data included).
// Both run in a process that has not asked for the permission (the executor's usual preparation
// is skipped for them).
#pragma once

#include <vector>

#include "engine/case.h"

namespace sigctx {

std::vector<CaseDescriptor> amx_rules_cases();

}  // namespace sigctx
