/* opmask: k0-k7. The registers are 64 bits wide, but KMOVQ needs AVX512BW; a CPU with only
 * AVX512F (Knights Landing) moves 16 bits with KMOVW and the rest reads as zero. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_opmask_load_q)
  kmovq IMG_OPMASK+0(%rdi), %k0
  kmovq IMG_OPMASK+8(%rdi), %k1
  kmovq IMG_OPMASK+16(%rdi), %k2
  kmovq IMG_OPMASK+24(%rdi), %k3
  kmovq IMG_OPMASK+32(%rdi), %k4
  kmovq IMG_OPMASK+40(%rdi), %k5
  kmovq IMG_OPMASK+48(%rdi), %k6
  kmovq IMG_OPMASK+56(%rdi), %k7
  ret
SIGCTX_END(sigctx_opmask_load_q)

SIGCTX_FUNC(sigctx_opmask_store_q)
  kmovq %k0, IMG_OPMASK+0(%rdi)
  kmovq %k1, IMG_OPMASK+8(%rdi)
  kmovq %k2, IMG_OPMASK+16(%rdi)
  kmovq %k3, IMG_OPMASK+24(%rdi)
  kmovq %k4, IMG_OPMASK+32(%rdi)
  kmovq %k5, IMG_OPMASK+40(%rdi)
  kmovq %k6, IMG_OPMASK+48(%rdi)
  kmovq %k7, IMG_OPMASK+56(%rdi)
  ret
SIGCTX_END(sigctx_opmask_store_q)

SIGCTX_FUNC(sigctx_opmask_load_w)
  kmovw IMG_OPMASK+0(%rdi), %k0
  kmovw IMG_OPMASK+8(%rdi), %k1
  kmovw IMG_OPMASK+16(%rdi), %k2
  kmovw IMG_OPMASK+24(%rdi), %k3
  kmovw IMG_OPMASK+32(%rdi), %k4
  kmovw IMG_OPMASK+40(%rdi), %k5
  kmovw IMG_OPMASK+48(%rdi), %k6
  kmovw IMG_OPMASK+56(%rdi), %k7
  ret
SIGCTX_END(sigctx_opmask_load_w)

SIGCTX_FUNC(sigctx_opmask_store_w)
  movq $0, IMG_OPMASK+0(%rdi)
  kmovw %k0, IMG_OPMASK+0(%rdi)
  movq $0, IMG_OPMASK+8(%rdi)
  kmovw %k1, IMG_OPMASK+8(%rdi)
  movq $0, IMG_OPMASK+16(%rdi)
  kmovw %k2, IMG_OPMASK+16(%rdi)
  movq $0, IMG_OPMASK+24(%rdi)
  kmovw %k3, IMG_OPMASK+24(%rdi)
  movq $0, IMG_OPMASK+32(%rdi)
  kmovw %k4, IMG_OPMASK+32(%rdi)
  movq $0, IMG_OPMASK+40(%rdi)
  kmovw %k5, IMG_OPMASK+40(%rdi)
  movq $0, IMG_OPMASK+48(%rdi)
  kmovw %k6, IMG_OPMASK+48(%rdi)
  movq $0, IMG_OPMASK+56(%rdi)
  kmovw %k7, IMG_OPMASK+56(%rdi)
  ret
SIGCTX_END(sigctx_opmask_store_w)

SIGCTX_NOEXECSTACK
