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

/* +1 on the shared count of applied effects. Clobbers rax. */
.macro COUNT_APPLICATION
  mov sigctx_emulation_counter(%rip), %rax
  lock incq (%rax)
.endm

/* amd-nullsel-base: a task whose FS or GS base is 0 (a null selector on older AMD) keeps the
 * base the previous task left in the register. */
SIGCTX_FUNC(sigctx_emulate_nullsel_before)
  pushfq
  push %rax
  push %rcx
  mov sigctx_emulation_switch_area(%rip), %rcx
  rdfsbase %rax
  mov %rax, AREA_FS(%rcx)
  rdgsbase %rax
  mov %rax, AREA_GS(%rcx)
  pop %rcx
  pop %rax
  popfq
  ret
SIGCTX_END(sigctx_emulate_nullsel_before)

SIGCTX_FUNC(sigctx_emulate_nullsel_after)
  pushfq
  push %rax
  push %rcx
  push %rdx
  mov sigctx_emulation_switch_area(%rip), %rcx
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
  pop %rcx
  pop %rax
  popfq
  ret
SIGCTX_END(sigctx_emulate_nullsel_after)

/* The hold's in-image address, from its frame: 8 (return address) + the pushes above it. */
#define HOLD_IN(pushes) (8 + 8 * (pushes) + HOLD_F_IN)(%rsp)

/* lazyfp: the XMM registers of the task switched out are still in the register file. */
SIGCTX_FUNC(sigctx_emulate_lazyfp_before)
  pushfq
  push %rax
  push %rcx
  mov sigctx_emulation_switch_area(%rip), %rcx
  movdqu %xmm0, AREA_REGS+0*16(%rcx)
  movdqu %xmm1, AREA_REGS+1*16(%rcx)
  movdqu %xmm2, AREA_REGS+2*16(%rcx)
  movdqu %xmm3, AREA_REGS+3*16(%rcx)
  movdqu %xmm4, AREA_REGS+4*16(%rcx)
  movdqu %xmm5, AREA_REGS+5*16(%rcx)
  movdqu %xmm6, AREA_REGS+6*16(%rcx)
  movdqu %xmm7, AREA_REGS+7*16(%rcx)
  movdqu %xmm8, AREA_REGS+8*16(%rcx)
  movdqu %xmm9, AREA_REGS+9*16(%rcx)
  movdqu %xmm10, AREA_REGS+10*16(%rcx)
  movdqu %xmm11, AREA_REGS+11*16(%rcx)
  movdqu %xmm12, AREA_REGS+12*16(%rcx)
  movdqu %xmm13, AREA_REGS+13*16(%rcx)
  movdqu %xmm14, AREA_REGS+14*16(%rcx)
  movdqu %xmm15, AREA_REGS+15*16(%rcx)
  mov HOLD_IN(3), %rax
  mov %rax, AREA_OWNER(%rcx)
  pop %rcx
  pop %rax
  popfq
  ret
SIGCTX_END(sigctx_emulate_lazyfp_before)

SIGCTX_FUNC(sigctx_emulate_lazyfp_after)
  pushfq
  push %rax
  push %rcx
  mov sigctx_emulation_switch_area(%rip), %rcx
  mov AREA_OWNER(%rcx), %rax
  test %rax, %rax
  jz 1f
  cmp HOLD_IN(3), %rax
  je 1f
  movdqu AREA_REGS+0*16(%rcx), %xmm0
  movdqu AREA_REGS+1*16(%rcx), %xmm1
  movdqu AREA_REGS+2*16(%rcx), %xmm2
  movdqu AREA_REGS+3*16(%rcx), %xmm3
  movdqu AREA_REGS+4*16(%rcx), %xmm4
  movdqu AREA_REGS+5*16(%rcx), %xmm5
  movdqu AREA_REGS+6*16(%rcx), %xmm6
  movdqu AREA_REGS+7*16(%rcx), %xmm7
  movdqu AREA_REGS+8*16(%rcx), %xmm8
  movdqu AREA_REGS+9*16(%rcx), %xmm9
  movdqu AREA_REGS+10*16(%rcx), %xmm10
  movdqu AREA_REGS+11*16(%rcx), %xmm11
  movdqu AREA_REGS+12*16(%rcx), %xmm12
  movdqu AREA_REGS+13*16(%rcx), %xmm13
  movdqu AREA_REGS+14*16(%rcx), %xmm14
  movdqu AREA_REGS+15*16(%rcx), %xmm15
  COUNT_APPLICATION
1:
  pop %rcx
  pop %rax
  popfq
  ret
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
  pushfq
  push %rax
  push %rcx
  mov sigctx_emulation_switch_area(%rip), %rcx
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  ZEN_PUBLISH \n
  .endr
  mov HOLD_IN(3), %rax
  mov %rax, AREA_OWNER(%rcx)
  pop %rcx
  pop %rax
  popfq
  ret
SIGCTX_END(sigctx_emulate_zenbleed_before)

SIGCTX_FUNC(sigctx_emulate_zenbleed_after)
  pushfq
  push %rax
  push %rcx
  mov sigctx_emulation_switch_area(%rip), %rcx
  mov AREA_OWNER(%rcx), %rax
  test %rax, %rax
  jz 9f
  cmp HOLD_IN(3), %rax
  je 9f
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
  pop %rcx
  pop %rax
  popfq
  ret
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
