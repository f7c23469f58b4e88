/* amx_tiledata: TMM0-7. Tiles are only addressable under a configuration, so the loader first
 * loads the image's TILECFG (the same bytes amx_tilecfg loads when it is part of the pattern)
 * and the store first reads the live one: TILESTORED writes only the configured rows and bytes,
 * so the image's tiles are zeroed before, which is what XSAVE would show for the rest. With
 * palette 0 (no configuration) the tiles are in their init state: all zero.
 *
 * Clobbers rax, rcx, rsi and the arithmetic flags (the component ABI allows them). */
#include "xstate/asm.h"

#define TILE_ROW_STRIDE $IMG_TILE_ROW_BYTES

SIGCTX_FUNC(sigctx_amx_tiledata_load)
  cmpb $0, IMG_TILECFG(%rdi)
  je 1f
  ldtilecfg IMG_TILECFG(%rdi)
  mov TILE_ROW_STRIDE, %rax
  lea IMG_TILE(0)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm0
  lea IMG_TILE(1)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm1
  lea IMG_TILE(2)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm2
  lea IMG_TILE(3)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm3
  lea IMG_TILE(4)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm4
  lea IMG_TILE(5)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm5
  lea IMG_TILE(6)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm6
  lea IMG_TILE(7)(%rdi), %rsi
  tileloadd (%rsi,%rax,1), %tmm7
1:
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
  cmpb $0, IMG_SCRATCH(%rdi)
  je 1f
  mov TILE_ROW_STRIDE, %rax
  lea IMG_TILE(0)(%rdi), %rsi
  tilestored %tmm0, (%rsi,%rax,1)
  lea IMG_TILE(1)(%rdi), %rsi
  tilestored %tmm1, (%rsi,%rax,1)
  lea IMG_TILE(2)(%rdi), %rsi
  tilestored %tmm2, (%rsi,%rax,1)
  lea IMG_TILE(3)(%rdi), %rsi
  tilestored %tmm3, (%rsi,%rax,1)
  lea IMG_TILE(4)(%rdi), %rsi
  tilestored %tmm4, (%rsi,%rax,1)
  lea IMG_TILE(5)(%rdi), %rsi
  tilestored %tmm5, (%rsi,%rax,1)
  lea IMG_TILE(6)(%rdi), %rsi
  tilestored %tmm6, (%rsi,%rax,1)
  lea IMG_TILE(7)(%rdi), %rsi
  tilestored %tmm7, (%rsi,%rax,1)
1:
  ret
SIGCTX_END(sigctx_amx_tiledata_store)

SIGCTX_NOEXECSTACK
