/* The exec helper: a program of its own, linked without libc (-nostdlib -static), whose ELF
 * entry point is the first instruction the new image runs. It records every register exactly
 * as execve left it: the GPRs and RFLAGS with plain MOVs (which change no flag) before anything
 * else, then XINUSE and an XSAVE of every XCR0 component (FXSAVE without XSAVE), and only then
 * FS and GS base through arch_prctl, whose system calls could not change the vector state but
 * come last all the same. It writes the record (process/exec_record.h) to fd 3 and exits.
 * sigctx embeds this program (exec_helper_blob.S) and executes it from a memfd. */
#include "process/exec_record.h"

#define SYS_WRITE 1
#define SYS_ARCH_PRCTL 158
#define SYS_EXIT_GROUP 231
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

  .text
  .globl sigctx_exec_entry
  .type sigctx_exec_entry, @function
sigctx_exec_entry:
  mov %rax, record + EXEC_REC_GPR + 0 * 8(%rip)
  mov %rcx, record + EXEC_REC_GPR + 1 * 8(%rip)
  mov %rdx, record + EXEC_REC_GPR + 2 * 8(%rip)
  mov %rbx, record + EXEC_REC_GPR + 3 * 8(%rip)
  mov %rsp, record + EXEC_REC_GPR + 4 * 8(%rip)
  mov %rbp, record + EXEC_REC_GPR + 5 * 8(%rip)
  mov %rsi, record + EXEC_REC_GPR + 6 * 8(%rip)
  mov %rdi, record + EXEC_REC_GPR + 7 * 8(%rip)
  mov %r8, record + EXEC_REC_GPR + 8 * 8(%rip)
  mov %r9, record + EXEC_REC_GPR + 9 * 8(%rip)
  mov %r10, record + EXEC_REC_GPR + 10 * 8(%rip)
  mov %r11, record + EXEC_REC_GPR + 11 * 8(%rip)
  mov %r12, record + EXEC_REC_GPR + 12 * 8(%rip)
  mov %r13, record + EXEC_REC_GPR + 13 * 8(%rip)
  mov %r14, record + EXEC_REC_GPR + 14 * 8(%rip)
  mov %r15, record + EXEC_REC_GPR + 15 * 8(%rip)
  pushfq
  pop record + EXEC_REC_RFLAGS(%rip)
  mov (%rsp), %rax
  mov %rax, record + EXEC_REC_ARGC(%rip)
  movabs $0x5845585443474953, %rax /* "SIGCTXEX" */
  mov %rax, record + EXEC_REC_MAGIC(%rip)

  /* XSAVE needs CPUID.1:ECX.OSXSAVE (bit 27): the OS enabled it and XGETBV is usable. */
  mov $1, %eax
  xor %ecx, %ecx
  cpuid
  bt $27, %ecx
  jnc .Lfxsave
  xor %ecx, %ecx
  xgetbv
  mov %eax, record + EXEC_REC_XCR0(%rip)
  mov %edx, record + EXEC_REC_XCR0 + 4(%rip)
  mov $EXEC_F_XSAVE, %r12d
  /* XINUSE: CPUID.(0xD,1):EAX bit 2. */
  mov $0xd, %eax
  mov $1, %ecx
  cpuid
  bt $2, %eax
  jnc 1f
  mov $1, %ecx
  xgetbv
  mov %eax, record + EXEC_REC_XINUSE(%rip)
  mov %edx, record + EXEC_REC_XINUSE + 4(%rip)
  or $EXEC_F_XINUSE, %r12d
1:
  mov $0xd, %eax
  xor %ecx, %ecx
  cpuid /* ebx: the standard size for XCR0's components */
  cmp $EXEC_REC_AREA_MAX, %ebx
  ja .Ltoo_big
  mov %ebx, record + EXEC_REC_AREA_SIZE(%rip)
  mov record + EXEC_REC_XCR0(%rip), %eax
  mov record + EXEC_REC_XCR0 + 4(%rip), %edx
  xsave record + EXEC_REC_AREA(%rip)
  mov %r12d, record + EXEC_REC_FLAGS(%rip)
  jmp .Lbases
.Lfxsave:
  fxsave record + EXEC_REC_AREA(%rip)
  movl $512, record + EXEC_REC_AREA_SIZE(%rip)

.Lbases:
  mov $ARCH_GET_FS, %edi
  lea record + EXEC_REC_FSBASE(%rip), %rsi
  mov $SYS_ARCH_PRCTL, %eax
  syscall
  mov $ARCH_GET_GS, %edi
  lea record + EXEC_REC_GSBASE(%rip), %rsi
  mov $SYS_ARCH_PRCTL, %eax
  syscall

  /* write(3, record, EXEC_REC_AREA + size) until all of it is written. */
  lea record(%rip), %r12
  mov record + EXEC_REC_AREA_SIZE(%rip), %r13d
  add $EXEC_REC_AREA, %r13
2:
  mov $EXEC_RECORD_FD, %edi
  mov %r12, %rsi
  mov %r13, %rdx
  mov $SYS_WRITE, %eax
  syscall
  test %rax, %rax
  jle .Lwrite_failed
  add %rax, %r12
  sub %rax, %r13
  jnz 2b
  xor %edi, %edi
  jmp .Lexit
.Ltoo_big:
  mov $EXEC_EXIT_AREA_TOO_BIG, %edi
  jmp .Lexit
.Lwrite_failed:
  mov $EXEC_EXIT_WRITE_FAILED, %edi
.Lexit:
  mov $SYS_EXIT_GROUP, %eax
  syscall
  hlt
  .size sigctx_exec_entry, . - sigctx_exec_entry

  .bss
  .balign 64
record:
  .zero EXEC_REC_SIZE

  .section .note.GNU-stack, "", @progbits
