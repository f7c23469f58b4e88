/* The context-switch effects of catalog bugs (--emulate), as hooks the hold calls around each
 * system call or spin iteration of a switch case (hold.S: SYSCALL_LOOP, SPIN_FLAG). They run
 * between a unit's load and store, so they are assembly, and each preserves every register
 * and flag it does not mean to change. "Before" publishes what the unit holds into
 * sigctx_emulation_switch_area (shared with forked units); "after" takes, where the bug would
 * have, what the unit that published last left there: on one CPU, the unit switched out.
 *
 * Area layout: 0 FS base, 8 GS base, 16 publisher (its hold's in-image address), 64 sixteen
 * 16-byte slots (xmm0-15, or ymm0-15 bits 255:128). */
#include "xstate/asm.h"

#define AREA_FS 0
#define AREA_GS 8
#define AREA_OWNER 16
#define AREA_REGS 64

/* Every hook saves RFLAGS, rax and rcx (HOOK_SAVED pushes), and points rcx at the area. */
#define HOOK_SAVED 3
.macro HOOK_ENTER
  pushfq
  push %rax
  push %rcx
  mov sigctx_emulation_switch_area(%rip), %rcx
.endm
.macro HOOK_LEAVE
  pop %rcx
  pop %rax
  popfq
  ret
.endm

/* +1 on the shared count of applied effects. Clobbers rax. */
.macro COUNT_APPLICATION
  mov sigctx_emulation_counter(%rip), %rax
  lock incq (%rax)
.endm

/* amd-nullsel-base: a task whose FS or GS base is 0 (a null selector on older AMD) keeps the
 * base the previous task left in the register. */
SIGCTX_FUNC(sigctx_emulate_nullsel_before)
  HOOK_ENTER
  rdfsbase %rax
  mov %rax, AREA_FS(%rcx)
  rdgsbase %rax
  mov %rax, AREA_GS(%rcx)
  HOOK_LEAVE
SIGCTX_END(sigctx_emulate_nullsel_before)

SIGCTX_FUNC(sigctx_emulate_nullsel_after)
  HOOK_ENTER
  push %rdx
  rdfsbase %rax
  test %rax, %rax
  jnz 1f
  mov AREA_FS(%rcx), %rdx
  test %rdx, %rdx
  jz 1f
  wrfsbase %rdx
  COUNT_APPLICATION
1:
  rdgsbase %rax
  test %rax, %rax
  jnz 2f
  mov AREA_GS(%rcx), %rdx
  test %rdx, %rdx
  jz 2f
  wrgsbase %rdx
  COUNT_APPLICATION
2:
  pop %rdx
  HOOK_LEAVE
SIGCTX_END(sigctx_emulate_nullsel_after)

/* The hold's in-image address, from its frame: 8 (return address) + the pushes above it. */
#define HOLD_IN(pushes) (8 + 8 * (pushes) + HOLD_F_IN)(%rsp)

/* The publisher is named by its hold's in-image address, unique across the units of a case. */
.macro PUBLISH_OWNER
  mov HOLD_IN(HOOK_SAVED), %rax
  mov %rax, AREA_OWNER(%rcx)
.endm
/* Jumps to \skip when nobody published yet, or this unit did last. Clobbers rax. */
.macro SKIP_UNLESS_ANOTHER_PUBLISHED skip
  mov AREA_OWNER(%rcx), %rax
  test %rax, %rax
  jz \skip
  cmp HOLD_IN(HOOK_SAVED), %rax
  je \skip
.endm

/* lazyfp: the XMM registers of the task switched out are still in the register file. */
SIGCTX_FUNC(sigctx_emulate_lazyfp_before)
  HOOK_ENTER
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  movdqu %xmm\n, AREA_REGS+\n*16(%rcx)
  .endr
  PUBLISH_OWNER
  HOOK_LEAVE
SIGCTX_END(sigctx_emulate_lazyfp_before)

SIGCTX_FUNC(sigctx_emulate_lazyfp_after)
  HOOK_ENTER
  SKIP_UNLESS_ANOTHER_PUBLISHED 1f
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  movdqu AREA_REGS+\n*16(%rcx), %xmm\n
  .endr
  COUNT_APPLICATION
1:
  HOOK_LEAVE
SIGCTX_END(sigctx_emulate_lazyfp_after)

/* zenbleed: after a mispredicted VZEROUPPER rolled back, a YMM upper half holds another
 * task's bits 255:128. Here all sixteen do. With AVX-512 the insert is EVEX-encoded, so bits
 * 511:256 stay the unit's own. */
.macro ZEN_PUBLISH n
  vextractf128 $1, %ymm\n, AREA_REGS+\n*16(%rcx)
.endm
.macro ZEN_TAKE_VEX n
  vinsertf128 $1, AREA_REGS+\n*16(%rcx), %ymm\n, %ymm\n
.endm
.macro ZEN_TAKE_EVEX n
  vinserti32x4 $1, AREA_REGS+\n*16(%rcx), %zmm\n, %zmm\n
.endm

SIGCTX_FUNC(sigctx_emulate_zenbleed_before)
  HOOK_ENTER
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  ZEN_PUBLISH \n
  .endr
  PUBLISH_OWNER
  HOOK_LEAVE
SIGCTX_END(sigctx_emulate_zenbleed_before)

SIGCTX_FUNC(sigctx_emulate_zenbleed_after)
  HOOK_ENTER
  SKIP_UNLESS_ANOTHER_PUBLISHED 9f
  testq $ASMF_ZMM, sigctx_asm_features(%rip)
  jnz 1f
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  ZEN_TAKE_VEX \n
  .endr
  jmp 2f
1:
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  ZEN_TAKE_EVEX \n
  .endr
2:
  COUNT_APPLICATION
9:
  HOOK_LEAVE
SIGCTX_END(sigctx_emulate_zenbleed_after)

  .data
  .p2align 3
  .globl sigctx_emulation_switch_area
  .hidden sigctx_emulation_switch_area
sigctx_emulation_switch_area:
  .quad 0
  .globl sigctx_emulation_counter
  .hidden sigctx_emulation_counter
sigctx_emulation_counter:
  .quad 0

SIGCTX_NOEXECSTACK
