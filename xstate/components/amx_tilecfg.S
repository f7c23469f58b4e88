/* amx_tilecfg: TILECFG. LDTILECFG with palette 0 puts AMX into its init state; STTILECFG in the
 * init state writes 64 zero bytes. Both need AMX permission (see amx.h). */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_amx_tilecfg_load)
  ldtilecfg IMG_TILECFG(%rdi)
  ret
SIGCTX_END(sigctx_amx_tilecfg_load)

SIGCTX_FUNC(sigctx_amx_tilecfg_store)
  sttilecfg IMG_TILECFG(%rdi)
  ret
SIGCTX_END(sigctx_amx_tilecfg_store)

SIGCTX_NOEXECSTACK
