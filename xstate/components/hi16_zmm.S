/* hi16_zmm: ZMM16-31, all 512 bits. Executed only where AVX512F is enabled. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_hi16_zmm_load)
  vmovdqu64 IMG_ZMM_REG(16)(%rdi), %zmm16
  vmovdqu64 IMG_ZMM_REG(17)(%rdi), %zmm17
  vmovdqu64 IMG_ZMM_REG(18)(%rdi), %zmm18
  vmovdqu64 IMG_ZMM_REG(19)(%rdi), %zmm19
  vmovdqu64 IMG_ZMM_REG(20)(%rdi), %zmm20
  vmovdqu64 IMG_ZMM_REG(21)(%rdi), %zmm21
  vmovdqu64 IMG_ZMM_REG(22)(%rdi), %zmm22
  vmovdqu64 IMG_ZMM_REG(23)(%rdi), %zmm23
  vmovdqu64 IMG_ZMM_REG(24)(%rdi), %zmm24
  vmovdqu64 IMG_ZMM_REG(25)(%rdi), %zmm25
  vmovdqu64 IMG_ZMM_REG(26)(%rdi), %zmm26
  vmovdqu64 IMG_ZMM_REG(27)(%rdi), %zmm27
  vmovdqu64 IMG_ZMM_REG(28)(%rdi), %zmm28
  vmovdqu64 IMG_ZMM_REG(29)(%rdi), %zmm29
  vmovdqu64 IMG_ZMM_REG(30)(%rdi), %zmm30
  vmovdqu64 IMG_ZMM_REG(31)(%rdi), %zmm31
  ret
SIGCTX_END(sigctx_hi16_zmm_load)

SIGCTX_FUNC(sigctx_hi16_zmm_store)
  vmovdqu64 %zmm16, IMG_ZMM_REG(16)(%rdi)
  vmovdqu64 %zmm17, IMG_ZMM_REG(17)(%rdi)
  vmovdqu64 %zmm18, IMG_ZMM_REG(18)(%rdi)
  vmovdqu64 %zmm19, IMG_ZMM_REG(19)(%rdi)
  vmovdqu64 %zmm20, IMG_ZMM_REG(20)(%rdi)
  vmovdqu64 %zmm21, IMG_ZMM_REG(21)(%rdi)
  vmovdqu64 %zmm22, IMG_ZMM_REG(22)(%rdi)
  vmovdqu64 %zmm23, IMG_ZMM_REG(23)(%rdi)
  vmovdqu64 %zmm24, IMG_ZMM_REG(24)(%rdi)
  vmovdqu64 %zmm25, IMG_ZMM_REG(25)(%rdi)
  vmovdqu64 %zmm26, IMG_ZMM_REG(26)(%rdi)
  vmovdqu64 %zmm27, IMG_ZMM_REG(27)(%rdi)
  vmovdqu64 %zmm28, IMG_ZMM_REG(28)(%rdi)
  vmovdqu64 %zmm29, IMG_ZMM_REG(29)(%rdi)
  vmovdqu64 %zmm30, IMG_ZMM_REG(30)(%rdi)
  vmovdqu64 %zmm31, IMG_ZMM_REG(31)(%rdi)
  ret
SIGCTX_END(sigctx_hi16_zmm_store)

SIGCTX_NOEXECSTACK
