/* x87: loaded the way programs load it (FNINIT, FLDCW, FLD m80 pushes), then FSW's condition
 * codes and (masked) exception flags through FNSTENV/FLDENV; stored with FXSAVE64, which reads
 * the stack and tags without changing them. FLD m80 raises no exception for any 80-bit
 * encoding, so special values (NaN, denormal, unnormal) load exactly. */
#include "xstate/asm.h"

SIGCTX_FUNC(sigctx_x87_load)
  fninit
  fldcw IMG_X87_FCW(%rdi)
  movzwl IMG_X87_DEPTH(%rdi), %ecx
  cmp $8, %ecx
  jbe 1f
  mov $8, %ecx
1:
  /* Push ST(depth-1) first so that ST(0) ends up holding slot 0. */
  test %ecx, %ecx
  jz 2f
  dec %ecx
  mov %ecx, %edx
  shl $4, %edx
  fldt IMG_X87_ST(%rdi, %rdx)
  jmp 1b
2:
  /* The 28-byte environment: FCW at 0, FSW at 4, FTW at 8. Only FSW changes; its TOP matches
   * the pushes above, and FLDENV reloads FCW and the tags FNSTENV just stored. */
  sub $32, %rsp
  fnstenv (%rsp)
  movzwl IMG_X87_FSW(%rdi), %eax
  mov %ax, 4(%rsp)
  fldenv (%rsp)
  add $32, %rsp
  ret
SIGCTX_END(sigctx_x87_load)

SIGCTX_FUNC(sigctx_x87_store)
  fxsave64 IMG_SCRATCH(%rdi)
  movzwl IMG_SCRATCH + 0(%rdi), %eax
  mov %ax, IMG_X87_FCW(%rdi)
  movzwl IMG_SCRATCH + 2(%rdi), %eax
  mov %ax, IMG_X87_FSW(%rdi)
  movzbl IMG_SCRATCH + 4(%rdi), %eax
  mov %al, IMG_X87_FTW(%rdi)
  movzwl IMG_SCRATCH + 6(%rdi), %eax
  mov %ax, IMG_X87_FOP(%rdi)
  mov IMG_SCRATCH + 8(%rdi), %rax
  mov %rax, IMG_X87_FIP(%rdi)
  mov IMG_SCRATCH + 16(%rdi), %rax
  mov %rax, IMG_X87_FDP(%rdi)
  /* ST(0)..ST(7): 16-byte slots at 32 in the FXSAVE area, copied with GPRs only. */
  xor %ecx, %ecx
3:
  mov IMG_SCRATCH + 32(%rdi, %rcx), %rax
  mov %rax, IMG_X87_ST(%rdi, %rcx)
  mov IMG_SCRATCH + 40(%rdi, %rcx), %rax
  mov %rax, IMG_X87_ST + 8(%rdi, %rcx)
  add $16, %ecx
  cmp $128, %ecx
  jb 3b
  ret
SIGCTX_END(sigctx_x87_store)

SIGCTX_NOEXECSTACK
