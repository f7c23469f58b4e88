/* amx_tiledata: TMM0-7. Tiles are only addressable under a configuration, so the loader first
 * loads the image's TILECFG (the same bytes amx_tilecfg loads when it is part of the pattern)
 * and the store first reads the live one: TILESTORED writes only the configured rows and bytes,
 * so the image's tiles are zeroed before, which is what XSAVE would show for the rest. A tile
 * without rows is skipped (TILELOADD and TILESTORED raise #UD on it), so a TILECFG an OS restored
 * wrongly shows as a difference, not as SIGILL. Palette 0 (the init state) has no rows at all.
 *
 * Clobbers rax, rcx, rsi and the arithmetic flags (the component ABI allows them). */
#include "xstate/asm.h"

#define TILE_ROW_STRIDE $IMG_TILE_ROW_BYTES

SIGCTX_FUNC(sigctx_amx_tiledata_load)
  /* Palette 0 puts both AMX components into their init state; no tile is then configured. */
  ldtilecfg IMG_TILECFG(%rdi)
  mov TILE_ROW_STRIDE, %rax
  .irp t, 0, 1, 2, 3, 4, 5, 6, 7
  cmpb $0, IMG_TILECFG + IMG_TILECFG_ROWS + \t(%rdi)  /* no rows: TILELOADD would raise #UD */
  je 1f
  lea IMG_TILE(\t)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm\t
1:
  .endr
  ret
SIGCTX_END(sigctx_amx_tiledata_load)

SIGCTX_FUNC(sigctx_amx_tiledata_store)
  /* Read the live configuration before anything else. */
  sttilecfg IMG_SCRATCH(%rdi)
  /* A plain loop, not REP STOSQ: DF may hold the rflags pattern here. */
  lea IMG_TILES(%rdi), %rsi
  mov $(8 * IMG_TILE_BYTES / 8), %ecx
2:
  movq $0, (%rsi)
  add $8, %rsi
  dec %ecx
  jnz 2b
  mov TILE_ROW_STRIDE, %rax
  .irp t, 0, 1, 2, 3, 4, 5, 6, 7
  cmpb $0, IMG_SCRATCH + IMG_TILECFG_ROWS + \t(%rdi)  /* no rows (or palette 0): nothing to store */
  je 1f
  lea IMG_TILE(\t)(%rdi), %rsi
  tilestored %tmm\t, (%rsi,%rax,1)
1:
  .endr
  ret
SIGCTX_END(sigctx_amx_tiledata_store)

SIGCTX_NOEXECSTACK
