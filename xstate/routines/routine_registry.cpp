#include <fmt/format.h>
#include <array>
#include <vector>

#include "xstate/component_registry.h"
#include "xstate/disasm.h"
#include "xstate/routines/routine.h"
#include "xstate/routines/zeroing_routines.h"

SIGCTX_DECLARE_KERNEL(gpr_mix)
SIGCTX_DECLARE_KERNEL(sse_mix)
SIGCTX_DECLARE_KERNEL(avx_mix)
SIGCTX_DECLARE_KERNEL(avx512_mix)
SIGCTX_DECLARE_KERNEL(x87_stack)
SIGCTX_DECLARE_KERNEL(mxcsr_fcw)
SIGCTX_DECLARE_KERNEL(fsbase_pkru)

namespace sigctx {

namespace {

constexpr ComponentMask bits(std::initializer_list<ComponentId> ids) {
  ComponentMask m = 0;
  for (ComponentId id : ids)
    m |= component_bit(id);
  return m;
}

Availability needs_avx512bw(const Machine& m) {
  return m.features.avx512bw ? Availability::yes()
                             : Availability::no("CPU lacks AVX512BW (KXORQ/KADDQ on 64-bit masks)");
}

Availability needs_fsgsbase_and_pku(const Machine& m) {
  if (!m.fsgsbase_instructions())
    return Availability::no("RD/WRFSBASE not enabled by the kernel (HWCAP2_FSGSBASE clear)");
  return Availability::yes();
}

const DirtyRoutine kGprMix = {
    "gpr_mix",
    "every GPR but rsp and CF through four rounds of add/adc/sub/xor/rotate/bswap/neg/xchg and an "
    "odd multiply",
    SIGCTX_ROUTINE_CODE(gpr_mix),
    bits({ComponentId::kGpr, ComponentId::kRflags}),
    nullptr,
    0,
    ComponentId::kSse,
    "xmm7",
};

const DirtyRoutine kSseMix = {
    "sse_mix",
    "XMM0-15 through PADDQ/PSUBQ/PXOR chains and PSHUFD lane moves",
    SIGCTX_ROUTINE_CODE(sse_mix),
    bits({ComponentId::kSse}),
    nullptr,
    0,
    ComponentId::kGpr,
    "r12",
};

const DirtyRoutine kAvxMix = {
    "avx_mix",
    "YMM0-15 through VXORPS chains, VPERM2F128 half swaps and VSHUFPD lane swaps (AVX1 only)",
    SIGCTX_ROUTINE_CODE(avx_mix),
    bits({ComponentId::kSse, ComponentId::kAvx}),
    nullptr,
    0,
    ComponentId::kGpr,
    "r13",
};

const DirtyRoutine kAvx512Mix = {
    "avx512_mix",
    "ZMM0-31 and k0-k7: VPXORQ chains, merge-masked VPADDQ/VPSUBQ, VALIGNQ lane rotations, "
    "KXORQ/KADDQ/KNOTQ",
    SIGCTX_ROUTINE_CODE(avx512_mix),
    bits({ComponentId::kSse, ComponentId::kAvx, ComponentId::kOpmask, ComponentId::kZmmHi256,
          ComponentId::kHi16Zmm}),
    needs_avx512bw,
    0,
    ComponentId::kGpr,
    "r14",
};

const DirtyRoutine kX87Stack = {
    "x87_stack",
    "a full x87 stack permuted by FXCH/FINCSTP/FDECSTP/FCHS, with FCW changed mid-routine",
    SIGCTX_ROUTINE_CODE(x87_stack),
    bits({ComponentId::kX87, ComponentId::kGpr}),
    nullptr,
    0,
    ComponentId::kSse,
    "xmm3",
};

const DirtyRoutine kMxcsrFcw = {
    "mxcsr_fcw",
    "MXCSR and FCW rounding changed mid-routine and then used by CVTSD2SI and FIST",
    SIGCTX_ROUTINE_CODE(mxcsr_fcw),
    bits({ComponentId::kMxcsr, ComponentId::kX87, ComponentId::kSse, ComponentId::kGpr}),
    nullptr,
    0,
    ComponentId::kSse,
    "xmm5",
};

const DirtyRoutine kFsbasePkru = {
    "fsbase_pkru",
    "FS base, GS base and PKRU rewritten mid-routine with WRFSBASE/WRGSBASE/WRPKRU",
    SIGCTX_ROUTINE_CODE(fsbase_pkru),
    bits({ComponentId::kFsbase, ComponentId::kGsbase, ComponentId::kPkru, ComponentId::kGpr}),
    needs_fsgsbase_and_pku,
    0,
    ComponentId::kSse,
    "xmm6",
};

// One line per routine.
constexpr std::array<const DirtyRoutine*, 7> kMixing = {
    &kGprMix, &kSseMix, &kAvxMix, &kAvx512Mix, &kX87Stack, &kMxcsrFcw, &kFsbasePkru,
};

// The mixing routines, then alloc/'s zeroing routines.
std::vector<const DirtyRoutine*> registry() {
  std::vector<const DirtyRoutine*> all(kMixing.begin(), kMixing.end());
  for (const DirtyRoutine* k : zeroing_routines())
    all.push_back(k);
  return all;
}

}  // namespace

std::span<const DirtyRoutine* const> all_routines() {
  static const std::vector<const DirtyRoutine*> all = registry();
  return all;
}

const DirtyRoutine* find_routine(std::string_view name) {
  for (const auto* k : all_routines())
    if (k->name == name) return k;
  return nullptr;
}

Availability routine_available(const DirtyRoutine& k, const Machine& m) {
  if (Availability a = components_available(k.uses, m); !a.ok) return a;
  return k.extra_requirement ? k.extra_requirement(m) : Availability::yes();
}

std::string routine_instruction_text(const DirtyRoutine& k, uint32_t offset) {
  return disassemble(k.entry + offset, offset).text;
}

}  // namespace sigctx
