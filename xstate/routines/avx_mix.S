/* avx_mix: YMM0-15 with AVX1 only (no AVX2): VXORPS chains, VPERM2F128 half swaps and VSHUFPD
 * lane swaps, so a corrupted upper half reaches every lane of the result. Being VEX-encoded, the
 * first write to each register zeroes its bits 511:256, as real AVX code does. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(avx_mix)
  .rept 3
  vxorps %ymm0, %ymm1, %ymm1
  vperm2f128 $0x01, %ymm1, %ymm1, %ymm1
  vxorps %ymm1, %ymm2, %ymm2
  vshufpd $0x5, %ymm2, %ymm2, %ymm2
  vxorps %ymm2, %ymm3, %ymm3
  vperm2f128 $0x01, %ymm3, %ymm3, %ymm3
  vxorps %ymm3, %ymm4, %ymm4
  vxorps %ymm4, %ymm5, %ymm5
  vshufpd $0xa, %ymm5, %ymm5, %ymm5
  vxorps %ymm5, %ymm6, %ymm6
  vperm2f128 $0x01, %ymm6, %ymm6, %ymm6
  vxorps %ymm6, %ymm7, %ymm7
  vxorps %ymm7, %ymm8, %ymm8
  vshufpd $0x5, %ymm8, %ymm8, %ymm8
  vxorps %ymm8, %ymm9, %ymm9
  vperm2f128 $0x01, %ymm9, %ymm9, %ymm9
  vxorps %ymm9, %ymm10, %ymm10
  vxorps %ymm10, %ymm11, %ymm11
  vshufpd $0xa, %ymm11, %ymm11, %ymm11
  vxorps %ymm11, %ymm12, %ymm12
  vperm2f128 $0x01, %ymm12, %ymm12, %ymm12
  vxorps %ymm12, %ymm13, %ymm13
  vxorps %ymm13, %ymm14, %ymm14
  vxorps %ymm14, %ymm15, %ymm15
  vperm2f128 $0x01, %ymm15, %ymm15, %ymm15
  vxorps %ymm15, %ymm0, %ymm0
  .endr
  ret
SIGCTX_ROUTINE_CODE_END(avx_mix)
SIGCTX_ROUTINE_END(avx_mix)

SIGCTX_NOEXECSTACK
