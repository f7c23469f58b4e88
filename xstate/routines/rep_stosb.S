/* rep_stosb: AL = 0 and one REP STOSB over [rdi, rdi + rcx), after CLD (the interrupted code's
 * pattern may set DF). A signal lands between iterations of the string instruction; the kernel
 * must resume it with rdi, rcx and DF as they were, or bytes stay unwritten or are written
 * twice elsewhere. */
#include "xstate/routines/routine_asm.h"

SIGCTX_ROUTINE(rep_stosb)
  cld
  xor %eax, %eax
  rep stosb
  ret
SIGCTX_ROUTINE_CODE_END(rep_stosb)
SIGCTX_ROUTINE_END(rep_stosb)

SIGCTX_NOEXECSTACK
