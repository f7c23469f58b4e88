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
  cmpb $0, IMG_TILECFG+48+0(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 10f
  lea IMG_TILE(0)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm0
10:
  cmpb $0, IMG_TILECFG+48+1(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 11f
  lea IMG_TILE(1)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm1
11:
  cmpb $0, IMG_TILECFG+48+2(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 12f
  lea IMG_TILE(2)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm2
12:
  cmpb $0, IMG_TILECFG+48+3(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 13f
  lea IMG_TILE(3)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm3
13:
  cmpb $0, IMG_TILECFG+48+4(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 14f
  lea IMG_TILE(4)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm4
14:
  cmpb $0, IMG_TILECFG+48+5(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 15f
  lea IMG_TILE(5)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm5
15:
  cmpb $0, IMG_TILECFG+48+6(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 16f
  lea IMG_TILE(6)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm6
16:
  cmpb $0, IMG_TILECFG+48+7(%rdi)  /* an unconfigured tile: TILELOADD would #UD */
  je 17f
  lea IMG_TILE(7)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm7
17:
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
  cmpb $0, IMG_SCRATCH+48+0(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 10f
  lea IMG_TILE(0)(%rdi), %rsi
  tilestored %tmm0, (%rsi,%rax,1)
10:
  cmpb $0, IMG_SCRATCH+48+1(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 11f
  lea IMG_TILE(1)(%rdi), %rsi
  tilestored %tmm1, (%rsi,%rax,1)
11:
  cmpb $0, IMG_SCRATCH+48+2(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 12f
  lea IMG_TILE(2)(%rdi), %rsi
  tilestored %tmm2, (%rsi,%rax,1)
12:
  cmpb $0, IMG_SCRATCH+48+3(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 13f
  lea IMG_TILE(3)(%rdi), %rsi
  tilestored %tmm3, (%rsi,%rax,1)
13:
  cmpb $0, IMG_SCRATCH+48+4(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 14f
  lea IMG_TILE(4)(%rdi), %rsi
  tilestored %tmm4, (%rsi,%rax,1)
14:
  cmpb $0, IMG_SCRATCH+48+5(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 15f
  lea IMG_TILE(5)(%rdi), %rsi
  tilestored %tmm5, (%rsi,%rax,1)
15:
  cmpb $0, IMG_SCRATCH+48+6(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 16f
  lea IMG_TILE(6)(%rdi), %rsi
  tilestored %tmm6, (%rsi,%rax,1)
16:
  cmpb $0, IMG_SCRATCH+48+7(%rdi)  /* unconfigured (or palette 0): nothing to store */
  je 17f
  lea IMG_TILE(7)(%rdi), %rsi
  tilestored %tmm7, (%rsi,%rax,1)
17:
  ret
SIGCTX_END(sigctx_amx_tiledata_store)

SIGCTX_NOEXECSTACK
