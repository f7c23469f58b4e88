// xsave_other: the XCR0 user component sigctx has no code of its own for (APX today, whatever
// comes next), loaded with XRSTOR and read back with XSAVE, so new state is checked across every
// transition the day an OS enables it.
//
// The descriptor is bound to one component of the live machine (bind_xsave_other) before any
// case is listed or run: its XSAVE index, fields and XRSTOR/XSAVE mask follow that component.
// The rules it respects: only a user component enabled in XCR0, never x87, SSE or AVX (with
// those XRSTOR and XSAVE also move MXCSR), its standard-format offset and size from CPUID leaf 0xD
// (it must end within the image's XSAVE region, IMG_XGEN), permission first for a component with
// XFD (dynamic, like AMX tile data), and the init state (XSTATE_BV clear) as its zero shape.
// Components named in the SDM get register names (APX: r16-r31); any other is reported by byte
// range ("xsave:23 [bytes 64-127]").
#pragma once

#include <vector>

#include "probes/machine.h"
#include "xstate/component.h"

extern "C" {
// The XRSTOR/XSAVE mask the routines use: 1 << the bound component, 0 when unbound.
extern uint64_t sigctx_xsave_other_rfbm;
}

namespace sigctx {

// The component xsave_other would take on machine m: the lowest user component enabled in XCR0
// that no other descriptor covers and that fits the image's region; -1 when there is none.
int xsave_other_candidate(const Machine& m);
// Binds the descriptor to `index` of machine m, or to xsave_other_candidate(m) when index is
// -2; -1 unbinds it. False (and unbound) when the component is not in m's layout or does not
// fit the image. Not for concurrent use: call it before cases run (tests bind fixtures).
bool bind_xsave_other(const Machine& m, int index = -2);
// The bound component's fields (empty when unbound).
const std::vector<Field>& bound_xsave_other_fields();

}  // namespace sigctx
