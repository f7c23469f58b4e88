/* zmm_hi256: bits 511:256 of ZMM0-15. VINSERTI64X4 replaces the upper half and keeps the
 * YMM half. Executed only where AVX512F is enabled. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_zmm_hi256_load)
  vinserti64x4 $1, IMG_ZMM_REG(0)+32(%rdi), %zmm0, %zmm0
  vinserti64x4 $1, IMG_ZMM_REG(1)+32(%rdi), %zmm1, %zmm1
  vinserti64x4 $1, IMG_ZMM_REG(2)+32(%rdi), %zmm2, %zmm2
  vinserti64x4 $1, IMG_ZMM_REG(3)+32(%rdi), %zmm3, %zmm3
  vinserti64x4 $1, IMG_ZMM_REG(4)+32(%rdi), %zmm4, %zmm4
  vinserti64x4 $1, IMG_ZMM_REG(5)+32(%rdi), %zmm5, %zmm5
  vinserti64x4 $1, IMG_ZMM_REG(6)+32(%rdi), %zmm6, %zmm6
  vinserti64x4 $1, IMG_ZMM_REG(7)+32(%rdi), %zmm7, %zmm7
  vinserti64x4 $1, IMG_ZMM_REG(8)+32(%rdi), %zmm8, %zmm8
  vinserti64x4 $1, IMG_ZMM_REG(9)+32(%rdi), %zmm9, %zmm9
  vinserti64x4 $1, IMG_ZMM_REG(10)+32(%rdi), %zmm10, %zmm10
  vinserti64x4 $1, IMG_ZMM_REG(11)+32(%rdi), %zmm11, %zmm11
  vinserti64x4 $1, IMG_ZMM_REG(12)+32(%rdi), %zmm12, %zmm12
  vinserti64x4 $1, IMG_ZMM_REG(13)+32(%rdi), %zmm13, %zmm13
  vinserti64x4 $1, IMG_ZMM_REG(14)+32(%rdi), %zmm14, %zmm14
  vinserti64x4 $1, IMG_ZMM_REG(15)+32(%rdi), %zmm15, %zmm15
  ret
SIGCTX_END(sigctx_zmm_hi256_load)

SIGCTX_FUNC(sigctx_zmm_hi256_store)
  vextracti64x4 $1, %zmm0, IMG_ZMM_REG(0)+32(%rdi)
  vextracti64x4 $1, %zmm1, IMG_ZMM_REG(1)+32(%rdi)
  vextracti64x4 $1, %zmm2, IMG_ZMM_REG(2)+32(%rdi)
  vextracti64x4 $1, %zmm3, IMG_ZMM_REG(3)+32(%rdi)
  vextracti64x4 $1, %zmm4, IMG_ZMM_REG(4)+32(%rdi)
  vextracti64x4 $1, %zmm5, IMG_ZMM_REG(5)+32(%rdi)
  vextracti64x4 $1, %zmm6, IMG_ZMM_REG(6)+32(%rdi)
  vextracti64x4 $1, %zmm7, IMG_ZMM_REG(7)+32(%rdi)
  vextracti64x4 $1, %zmm8, IMG_ZMM_REG(8)+32(%rdi)
  vextracti64x4 $1, %zmm9, IMG_ZMM_REG(9)+32(%rdi)
  vextracti64x4 $1, %zmm10, IMG_ZMM_REG(10)+32(%rdi)
  vextracti64x4 $1, %zmm11, IMG_ZMM_REG(11)+32(%rdi)
  vextracti64x4 $1, %zmm12, IMG_ZMM_REG(12)+32(%rdi)
  vextracti64x4 $1, %zmm13, IMG_ZMM_REG(13)+32(%rdi)
  vextracti64x4 $1, %zmm14, IMG_ZMM_REG(14)+32(%rdi)
  vextracti64x4 $1, %zmm15, IMG_ZMM_REG(15)+32(%rdi)
  ret
SIGCTX_END(sigctx_zmm_hi256_store)

SIGCTX_NOEXECSTACK
