/* The instructions the trap probes need (trap_probes.cpp), kept out of compiled code: setting
 * RFLAGS.TF needs PUSHF/POPF, which would write below rsp into the red zone of an inline asm.
 *
 *   void sigctx_probe_tf_steps(void)   sets TF, runs four NOPs, clears TF: a SIGTRAP after each
 *                                      instruction until the handler or the POPF clears it
 *   void sigctx_probe_int3(void)       one INT3; sigctx_probe_int3_after is the address after it */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_probe_tf_steps)
  pushfq
  orq $RFLAGS_TF, (%rsp)
  popfq
  nop
  nop
  nop
  nop
  pushfq
  andq $~RFLAGS_TF, (%rsp)
  popfq
  ret
SIGCTX_END(sigctx_probe_tf_steps)

SIGCTX_FUNC(sigctx_probe_int3)
  int3
  .globl sigctx_probe_int3_after
  .hidden sigctx_probe_int3_after
sigctx_probe_int3_after:
  ret
SIGCTX_END(sigctx_probe_int3)

SIGCTX_NOEXECSTACK
