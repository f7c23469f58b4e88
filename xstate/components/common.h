// Shared pieces for component definitions: vector register fields and pattern filling.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "xstate/component.h"

namespace sigctx {

// Fields for a run of vector registers: registers [first, first+count) named prefix+n, each
// covering bytes [byte_lo, byte_hi) of the 512-bit image slot, at XSAVE offset
// xsave_base + xsave_stride * (n - first).
std::vector<Field> vector_fields(const char* prefix, unsigned first, unsigned count,
                                 unsigned byte_lo, unsigned byte_hi, int xsave_base,
                                 unsigned xsave_stride);

// Fills every kLane64 / kCanonical / kX87Reg field with the pattern (shape kLanes) or zero.
void fill_structured_fields(CpuImage& img, const std::vector<Field>& fields, ComponentId id,
                            const PatternSource& src, Shape shape);

// A value for a narrow register (MXCSR, FCW, FSW, RFLAGS, PKRU, 16-bit opmask): fixed_bits plus
// an even-parity combination of free_bits. The combination is a hash of (seed tag, generation,
// salt) plus a small index per role, taken modulo the number of combinations, so the
// interrupted code, each handler level and the frame edit always get distinct values, none
// equals a value in `excluded` (the init value, a special shape's value), and no single bit flip
// turns one into another.
uint64_t narrow_value(const PatternSource& src, uint64_t salt, uint64_t free_bits,
                      uint64_t fixed_bits, std::initializer_list<uint64_t> excluded);

bool always_applies(const CpuImage&, const Field&);

// arch_prctl(ARCH_REQ_XCOMP_PERM, feature) in the calling process, the request Linux wants
// before a dynamic XSAVE feature's first use: 0, or the errno it failed with.
int request_xcomp_permission(unsigned feature);

// opmask, zmm_hi256 and hi16_zmm: an OS enables the three AVX-512 components together (XCR0
// bits 5-7, with SSE and AVX).
Availability avx512_state_available(const Machine& m);

}  // namespace sigctx
