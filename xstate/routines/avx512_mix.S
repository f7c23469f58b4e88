/* avx512_mix: ZMM0-31 and k0-k7. VPXORQ chains, merge-masked VPADDQ/VPSUBQ (the write mask
 * decides which lanes change, so a corrupted opmask changes the result), VALIGNQ lane rotations,
 * and KXORQ/KADDQ/KNOTQ on the opmasks (AVX512BW). */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(avx512_mix)
  .rept 2
  vpxorq %zmm0, %zmm1, %zmm1
  vpaddq %zmm1, %zmm2, %zmm2{%k1}
  valignq $3, %zmm2, %zmm2, %zmm2
  vpxorq %zmm2, %zmm3, %zmm3
  vpsubq %zmm3, %zmm4, %zmm4{%k2}
  valignq $5, %zmm4, %zmm4, %zmm4
  vpxorq %zmm4, %zmm5, %zmm5
  vpaddq %zmm5, %zmm6, %zmm6{%k3}
  vpxorq %zmm6, %zmm7, %zmm7
  vpaddq %zmm7, %zmm8, %zmm8
  valignq $1, %zmm8, %zmm8, %zmm8
  vpxorq %zmm8, %zmm9, %zmm9
  vpsubq %zmm9, %zmm10, %zmm10{%k4}
  vpxorq %zmm10, %zmm11, %zmm11
  vpaddq %zmm11, %zmm12, %zmm12{%k5}
  valignq $7, %zmm12, %zmm12, %zmm12
  vpxorq %zmm12, %zmm13, %zmm13
  vpaddq %zmm13, %zmm14, %zmm14{%k6}
  vpxorq %zmm14, %zmm15, %zmm15
  vpaddq %zmm15, %zmm16, %zmm16
  vpxorq %zmm16, %zmm17, %zmm17
  vpaddq %zmm17, %zmm18, %zmm18{%k7}
  valignq $2, %zmm18, %zmm18, %zmm18
  vpxorq %zmm18, %zmm19, %zmm19
  vpsubq %zmm19, %zmm20, %zmm20{%k1}
  vpxorq %zmm20, %zmm21, %zmm21
  vpaddq %zmm21, %zmm22, %zmm22
  valignq $6, %zmm22, %zmm22, %zmm22
  vpxorq %zmm22, %zmm23, %zmm23
  vpaddq %zmm23, %zmm24, %zmm24{%k2}
  vpxorq %zmm24, %zmm25, %zmm25
  vpsubq %zmm25, %zmm26, %zmm26{%k3}
  vpxorq %zmm26, %zmm27, %zmm27
  valignq $4, %zmm27, %zmm27, %zmm27
  vpaddq %zmm27, %zmm28, %zmm28
  vpxorq %zmm28, %zmm29, %zmm29
  vpaddq %zmm29, %zmm30, %zmm30{%k4}
  vpxorq %zmm30, %zmm31, %zmm31
  vpaddq %zmm31, %zmm0, %zmm0{%k5}
  kxorq %k0, %k1, %k1
  kaddq %k1, %k2, %k2
  knotq %k3, %k3
  kxorq %k3, %k4, %k4
  kaddq %k4, %k5, %k5
  kxorq %k5, %k6, %k6
  kaddq %k6, %k7, %k7
  kxorq %k7, %k0, %k0
  .endr
  ret
SIGCTX_ROUTINE_CODE_END(avx512_mix)
SIGCTX_ROUTINE_END(avx512_mix)

SIGCTX_NOEXECSTACK
