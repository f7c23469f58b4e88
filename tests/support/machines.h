// Machines for tests: built from the CPUID fixtures in tests/fixtures/cpuid, with the XCR0 the
// OS would set, so availability and layouts can be tested for CPUs this machine is not.
#pragma once

#include "probes/machine.h"

namespace sigctx::test {

Machine zen3();             // AMD Ryzen 9 5900X: AVX2, PKU, no AVX-512
Machine zen5();             // AMD EPYC 9655: AVX-512, PKU; a family libcpuid 0.6.2 does not know
Machine skylake_x();        // Intel Xeon Platinum 8160: AVX-512, MPX, PKU
Machine sapphire_rapids();  // Intel Xeon w9-3475X: AVX-512, AMX, PKU
Machine nehalem_like();     // no XSAVE at all: FXSAVE-only frames

}  // namespace sigctx::test
