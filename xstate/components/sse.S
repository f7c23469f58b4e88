/* sse: XMM0-15 with legacy-SSE MOVDQU, which leaves bits 511:128 alone, so the SSE part can
 * be loaded independently of the AVX and AVX-512 parts. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_sse_load)
  movdqu IMG_ZMM_REG(0)(%rdi), %xmm0
  movdqu IMG_ZMM_REG(1)(%rdi), %xmm1
  movdqu IMG_ZMM_REG(2)(%rdi), %xmm2
  movdqu IMG_ZMM_REG(3)(%rdi), %xmm3
  movdqu IMG_ZMM_REG(4)(%rdi), %xmm4
  movdqu IMG_ZMM_REG(5)(%rdi), %xmm5
  movdqu IMG_ZMM_REG(6)(%rdi), %xmm6
  movdqu IMG_ZMM_REG(7)(%rdi), %xmm7
  movdqu IMG_ZMM_REG(8)(%rdi), %xmm8
  movdqu IMG_ZMM_REG(9)(%rdi), %xmm9
  movdqu IMG_ZMM_REG(10)(%rdi), %xmm10
  movdqu IMG_ZMM_REG(11)(%rdi), %xmm11
  movdqu IMG_ZMM_REG(12)(%rdi), %xmm12
  movdqu IMG_ZMM_REG(13)(%rdi), %xmm13
  movdqu IMG_ZMM_REG(14)(%rdi), %xmm14
  movdqu IMG_ZMM_REG(15)(%rdi), %xmm15
  ret
SIGCTX_END(sigctx_sse_load)

SIGCTX_FUNC(sigctx_sse_store)
  movdqu %xmm0, IMG_ZMM_REG(0)(%rdi)
  movdqu %xmm1, IMG_ZMM_REG(1)(%rdi)
  movdqu %xmm2, IMG_ZMM_REG(2)(%rdi)
  movdqu %xmm3, IMG_ZMM_REG(3)(%rdi)
  movdqu %xmm4, IMG_ZMM_REG(4)(%rdi)
  movdqu %xmm5, IMG_ZMM_REG(5)(%rdi)
  movdqu %xmm6, IMG_ZMM_REG(6)(%rdi)
  movdqu %xmm7, IMG_ZMM_REG(7)(%rdi)
  movdqu %xmm8, IMG_ZMM_REG(8)(%rdi)
  movdqu %xmm9, IMG_ZMM_REG(9)(%rdi)
  movdqu %xmm10, IMG_ZMM_REG(10)(%rdi)
  movdqu %xmm11, IMG_ZMM_REG(11)(%rdi)
  movdqu %xmm12, IMG_ZMM_REG(12)(%rdi)
  movdqu %xmm13, IMG_ZMM_REG(13)(%rdi)
  movdqu %xmm14, IMG_ZMM_REG(14)(%rdi)
  movdqu %xmm15, IMG_ZMM_REG(15)(%rdi)
  ret
SIGCTX_END(sigctx_sse_store)

SIGCTX_NOEXECSTACK
