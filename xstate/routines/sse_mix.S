/* sse_mix: XMM0-15 through three rounds of PADDQ/PSUBQ/PXOR chains and PSHUFD lane moves,
 * legacy-SSE encoded so the upper halves of YMM/ZMM pass through untouched. Every step adds or
 * xors one register into the next, or permutes a register's lanes: a bijection. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(sse_mix)
  .rept 3
  paddq %xmm0, %xmm1
  pxor %xmm1, %xmm2
  pshufd $0x4e, %xmm2, %xmm2
  psubq %xmm2, %xmm3
  pxor %xmm3, %xmm4
  pshufd $0x1b, %xmm4, %xmm4
  paddq %xmm4, %xmm5
  pxor %xmm5, %xmm6
  psubq %xmm6, %xmm7
  pshufd $0xb1, %xmm7, %xmm7
  paddq %xmm7, %xmm8
  pxor %xmm8, %xmm9
  psubq %xmm9, %xmm10
  pshufd $0x4e, %xmm10, %xmm10
  paddq %xmm10, %xmm11
  pxor %xmm11, %xmm12
  psubq %xmm12, %xmm13
  pshufd $0x1b, %xmm13, %xmm13
  paddq %xmm13, %xmm14
  pxor %xmm14, %xmm15
  paddq %xmm15, %xmm0
  .endr
  ret
SIGCTX_ROUTINE_CODE_END(sse_mix)
SIGCTX_ROUTINE_END(sse_mix)

SIGCTX_NOEXECSTACK
