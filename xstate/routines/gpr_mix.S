/* gpr_mix: every GPR but rsp, and CF, through four rounds of add/adc/sub/xor/rotate/bswap/neg/
 * not/xchg and an odd multiply: each a bijection of the register file, so any GPR corrupted at
 * any boundary changes the result. The round counter lives on the stack; DEC keeps CF, which
 * the ADC chain carries from round to round. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(gpr_mix)
  pushq $4
1:
  add %rax, %rbx
  adc %rbx, %rcx
  xor %rcx, %rdx
  rol $7, %rdx
  sub %rdx, %rsi
  lea (%rsi,%rdi,4), %rsi
  ror $11, %rdi
  adc %rdi, %rbp
  xor %rbp, %r8
  rol $19, %r8
  adc %r8, %r9
  sub %r9, %r10
  xor %r10, %r11
  rol $3, %r11
  add %r11, %r12
  xor %r12, %r13
  ror $29, %r13
  adc %r13, %r14
  sub %r14, %r15
  xor %r15, %rax
  bswap %rbx
  neg %rcx
  not %rdx
  xchg %rsi, %rdi
  imul $0x6a09e667, %rbp, %rbp
  cmc
  decq (%rsp)
  jnz 1b
  lea 8(%rsp), %rsp
  ret
SIGCTX_ROUTINE_CODE_END(gpr_mix)
SIGCTX_ROUTINE_END(gpr_mix)

SIGCTX_NOEXECSTACK
