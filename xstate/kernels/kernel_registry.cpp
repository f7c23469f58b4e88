#include <fmt/format.h>
#include <array>
#include <vector>

#include "xstate/component_registry.h"
#include "xstate/disasm.h"
#include "xstate/kernels/kernel.h"
#include "xstate/kernels/zeroing_kernels.h"

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

const DirtyKernel kGprMix = {
    "gpr_mix",
    "every GPR but rsp and CF through four rounds of add/adc/sub/xor/rotate/bswap/neg/xchg and an "
    "odd multiply",
    SIGCTX_KERNEL_CODE(gpr_mix),
    bits({ComponentId::kGpr, ComponentId::kRflags}),
    nullptr,
    0,
    ComponentId::kSse,
    "xmm7",
};

const DirtyKernel kSseMix = {
    "sse_mix",
    "XMM0-15 through PADDQ/PSUBQ/PXOR chains and PSHUFD lane moves",
    SIGCTX_KERNEL_CODE(sse_mix),
    bits({ComponentId::kSse}),
    nullptr,
    0,
    ComponentId::kGpr,
    "r12",
};

const DirtyKernel kAvxMix = {
    "avx_mix",
    "YMM0-15 through VXORPS chains, VPERM2F128 half swaps and VSHUFPD lane swaps (AVX1 only)",
    SIGCTX_KERNEL_CODE(avx_mix),
    bits({ComponentId::kSse, ComponentId::kAvx}),
    nullptr,
    0,
    ComponentId::kGpr,
    "r13",
};

const DirtyKernel kAvx512Mix = {
    "avx512_mix",
    "ZMM0-31 and k0-k7: VPXORQ chains, merge-masked VPADDQ/VPSUBQ, VALIGNQ lane rotations, "
    "KXORQ/KADDQ/KNOTQ",
    SIGCTX_KERNEL_CODE(avx512_mix),
    bits({ComponentId::kSse, ComponentId::kAvx, ComponentId::kOpmask, ComponentId::kZmmHi256,
          ComponentId::kHi16Zmm}),
    needs_avx512bw,
    0,
    ComponentId::kGpr,
    "r14",
};

const DirtyKernel kX87Stack = {
    "x87_stack",
    "a full x87 stack permuted by FXCH/FINCSTP/FDECSTP/FCHS, with FCW changed mid-kernel",
    SIGCTX_KERNEL_CODE(x87_stack),
    bits({ComponentId::kX87, ComponentId::kGpr}),
    nullptr,
    0,
    ComponentId::kSse,
    "xmm3",
};

const DirtyKernel kMxcsrFcw = {
    "mxcsr_fcw",
    "MXCSR and FCW rounding changed mid-kernel and then used by CVTSD2SI and FIST",
    SIGCTX_KERNEL_CODE(mxcsr_fcw),
    bits({ComponentId::kMxcsr, ComponentId::kX87, ComponentId::kSse, ComponentId::kGpr}),
    nullptr,
    0,
    ComponentId::kSse,
    "xmm5",
};

const DirtyKernel kFsbasePkru = {
    "fsbase_pkru",
    "FS base, GS base and PKRU rewritten mid-kernel with WRFSBASE/WRGSBASE/WRPKRU",
    SIGCTX_KERNEL_CODE(fsbase_pkru),
    bits({ComponentId::kFsbase, ComponentId::kGsbase, ComponentId::kPkru, ComponentId::kGpr}),
    needs_fsgsbase_and_pku,
    0,
    ComponentId::kSse,
    "xmm6",
};

// One line per kernel.
constexpr std::array<const DirtyKernel*, 7> kMixing = {
    &kGprMix, &kSseMix, &kAvxMix, &kAvx512Mix, &kX87Stack, &kMxcsrFcw, &kFsbasePkru,
};

// The mixing kernels, then alloc/'s zeroing kernels.
std::vector<const DirtyKernel*> registry() {
  std::vector<const DirtyKernel*> all(kMixing.begin(), kMixing.end());
  for (const DirtyKernel* k : zeroing_kernels())
    all.push_back(k);
  return all;
}

}  // namespace

std::span<const DirtyKernel* const> all_kernels() {
  static const std::vector<const DirtyKernel*> all = registry();
  return all;
}

const DirtyKernel* find_kernel(std::string_view name) {
  for (const auto* k : all_kernels())
    if (k->name == name) return k;
  return nullptr;
}

Availability kernel_available(const DirtyKernel& k, const Machine& m) {
  if (Availability a = components_available(k.uses, m); !a.ok) return a;
  return k.extra_requirement ? k.extra_requirement(m) : Availability::yes();
}

std::string kernel_instruction_text(const DirtyKernel& k, uint32_t offset) {
  return disassemble(k.entry + offset, offset).text;
}

}  // namespace sigctx
