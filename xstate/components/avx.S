/* avx: the upper 128 bits of YMM0-15. VINSERTF128 replaces bits 255:128 and keeps the XMM
 * half; being VEX-encoded it zeroes bits 511:256, so zmm_hi256 must load after this. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_avx_load)
  vinsertf128 $1, IMG_ZMM_REG(0)+16(%rdi), %ymm0, %ymm0
  vinsertf128 $1, IMG_ZMM_REG(1)+16(%rdi), %ymm1, %ymm1
  vinsertf128 $1, IMG_ZMM_REG(2)+16(%rdi), %ymm2, %ymm2
  vinsertf128 $1, IMG_ZMM_REG(3)+16(%rdi), %ymm3, %ymm3
  vinsertf128 $1, IMG_ZMM_REG(4)+16(%rdi), %ymm4, %ymm4
  vinsertf128 $1, IMG_ZMM_REG(5)+16(%rdi), %ymm5, %ymm5
  vinsertf128 $1, IMG_ZMM_REG(6)+16(%rdi), %ymm6, %ymm6
  vinsertf128 $1, IMG_ZMM_REG(7)+16(%rdi), %ymm7, %ymm7
  vinsertf128 $1, IMG_ZMM_REG(8)+16(%rdi), %ymm8, %ymm8
  vinsertf128 $1, IMG_ZMM_REG(9)+16(%rdi), %ymm9, %ymm9
  vinsertf128 $1, IMG_ZMM_REG(10)+16(%rdi), %ymm10, %ymm10
  vinsertf128 $1, IMG_ZMM_REG(11)+16(%rdi), %ymm11, %ymm11
  vinsertf128 $1, IMG_ZMM_REG(12)+16(%rdi), %ymm12, %ymm12
  vinsertf128 $1, IMG_ZMM_REG(13)+16(%rdi), %ymm13, %ymm13
  vinsertf128 $1, IMG_ZMM_REG(14)+16(%rdi), %ymm14, %ymm14
  vinsertf128 $1, IMG_ZMM_REG(15)+16(%rdi), %ymm15, %ymm15
  ret
SIGCTX_END(sigctx_avx_load)

SIGCTX_FUNC(sigctx_avx_store)
  vextractf128 $1, %ymm0, IMG_ZMM_REG(0)+16(%rdi)
  vextractf128 $1, %ymm1, IMG_ZMM_REG(1)+16(%rdi)
  vextractf128 $1, %ymm2, IMG_ZMM_REG(2)+16(%rdi)
  vextractf128 $1, %ymm3, IMG_ZMM_REG(3)+16(%rdi)
  vextractf128 $1, %ymm4, IMG_ZMM_REG(4)+16(%rdi)
  vextractf128 $1, %ymm5, IMG_ZMM_REG(5)+16(%rdi)
  vextractf128 $1, %ymm6, IMG_ZMM_REG(6)+16(%rdi)
  vextractf128 $1, %ymm7, IMG_ZMM_REG(7)+16(%rdi)
  vextractf128 $1, %ymm8, IMG_ZMM_REG(8)+16(%rdi)
  vextractf128 $1, %ymm9, IMG_ZMM_REG(9)+16(%rdi)
  vextractf128 $1, %ymm10, IMG_ZMM_REG(10)+16(%rdi)
  vextractf128 $1, %ymm11, IMG_ZMM_REG(11)+16(%rdi)
  vextractf128 $1, %ymm12, IMG_ZMM_REG(12)+16(%rdi)
  vextractf128 $1, %ymm13, IMG_ZMM_REG(13)+16(%rdi)
  vextractf128 $1, %ymm14, IMG_ZMM_REG(14)+16(%rdi)
  vextractf128 $1, %ymm15, IMG_ZMM_REG(15)+16(%rdi)
  ret
SIGCTX_END(sigctx_avx_store)

SIGCTX_NOEXECSTACK
