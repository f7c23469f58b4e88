#include "xstate/routines/zeroing_routines.h"

#include <array>

#include "xstate/component_registry.h"

SIGCTX_DECLARE_KERNEL(memclr)
SIGCTX_DECLARE_KERNEL(sse_memclr)
SIGCTX_DECLARE_KERNEL(avx512_memclr)
SIGCTX_DECLARE_KERNEL(rep_stosb)
SIGCTX_DECLARE_KERNEL(nt_memclr)

namespace sigctx {

namespace {

Availability needs_avx512bw(const Machine& m) {
  return m.features.avx512bw ? Availability::yes()
                             : Availability::no("CPU lacks AVX512BW (VMOVDQU8, KMOVQ)");
}

const DirtyRoutine kMemclr = {
    "memclr",
    "Go's AVX memclr: YMM0 zeroed once, then a loop of 32-byte VMOVDQU stores; the buffer must "
    "end all zero",
    SIGCTX_ROUTINE_CODE(memclr),
    component_bit(ComponentId::kAvx),
    nullptr,
    4096,
    ComponentId::kGpr,
    "r15",
};

const DirtyRoutine kSseMemclr = {
    "sse_memclr",
    "XMM0 zeroed once, then a loop of 16-byte MOVDQA stores; the buffer must end all zero",
    SIGCTX_ROUTINE_CODE(sse_memclr),
    component_bit(ComponentId::kSse),
    nullptr,
    2048,
    ComponentId::kGpr,
    "r15",
};

const DirtyRoutine kAvx512Memclr = {
    "avx512_memclr",
    "ZMM0 zeroed once, 64-byte VMOVDQU64 stores, and a 40-byte tail stored under an opmask; the "
    "buffer must end all zero",
    SIGCTX_ROUTINE_CODE(avx512_memclr),
    component_bit(ComponentId::kSse) | component_bit(ComponentId::kAvx) |
        component_bit(ComponentId::kZmmHi256) | component_bit(ComponentId::kOpmask),
    needs_avx512bw,
    4096 + 40,
    ComponentId::kGpr,
    "r15",
};

const DirtyRoutine kRepStosb = {
    "rep_stosb",
    "REP STOSB of AL = 0, interrupted between iterations of the string instruction; the buffer "
    "must end all zero",
    SIGCTX_ROUTINE_CODE(rep_stosb),
    component_bit(ComponentId::kGpr) | component_bit(ComponentId::kRflags),
    nullptr,
    512,
    ComponentId::kSse,
    "xmm9",
};

const DirtyRoutine kNtMemclr = {
    "nt_memclr",
    "XMM0 zeroed once, a loop of non-temporal MOVNTDQ stores, then SFENCE; the buffer must end "
    "all zero",
    SIGCTX_ROUTINE_CODE(nt_memclr),
    component_bit(ComponentId::kSse),
    nullptr,
    2048,
    ComponentId::kGpr,
    "r15",
};

// One line per routine.
constexpr std::array<const DirtyRoutine*, 5> kZeroing = {&kMemclr, &kSseMemclr, &kAvx512Memclr,
                                                         &kRepStosb, &kNtMemclr};

}  // namespace

std::span<const DirtyRoutine* const> zeroing_routines() {
  return kZeroing;
}

}  // namespace sigctx
