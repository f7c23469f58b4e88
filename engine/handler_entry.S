/* The signal handler entry (installed with SA_SIGINFO):
 *
 *   void sigctx_handler_entry(int sig, siginfo_t* info, void* ucontext)
 *
 * 1. Switches to a private per-level stack with one XCHG, so that nothing but the kernel's
 *    frame is ever written to the signal stack: a sigaltstack exactly as large as the frame
 *    works, and guard bytes below it catch only the kernel's writes.
 * 2. Records what the handler was entered with (RFLAGS, frame rsp, MXCSR, FCW, PKRU, XINUSE,
 *    FS/GS base: read, or the thread's own where the case says it holds no other) before
 *    anything changes them.
 * 3. Runs compiled code (sigctx_on_signal) with the thread's real FS base, DF and AC clear.
 * 4. Puts back the interrupted FS base (Linux does not restore it on sigreturn), then loads the
 *    irritator: the handler's own pattern in every component, GPRs last, so any register the
 *    kernel fails to restore shows the handler's value.
 * 5. Returns to the restorer on the original stack.
 *
 * One thread receives signals at a time per process: the stack slot and the depth counter are
 * process-wide. */
#include "xstate/asm.h"
#include "xstate/gpr_rflags.inc"

/* Sets FS base to %rdi. Clobbers rax, rcx, rsi, rdi, r11. */
  .text
  .p2align 4
sigctx_set_fsbase_rdi:
  testq $ASMF_FSGSBASE, sigctx_asm_features(%rip)
  jz 1f
  wrfsbase %rdi
  ret
1:
  mov %rdi, %rsi
  mov $SIGCTX_ARCH_SET_FS, %edi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  ret

SIGCTX_FUNC(sigctx_handler_entry)
  xchg %rsp, sigctx_handler_stack_slot(%rip) /* rsp = this level's stack; slot = frame rsp */
  pushfq                                     /* top-8: RFLAGS at entry */
  pushq sigctx_handler_stack_slot(%rip)      /* top-16: the frame's rsp */
  lea 16(%rsp), %r15                         /* r15 = this level's stack top */
  lea -HANDLER_STACK_SIZE(%r15), %rax
  mov %rax, sigctx_handler_stack_slot(%rip)  /* a nested delivery takes the next stack down */
  mov %edi, %r12d
  mov %rsi, %r13
  mov %rdx, %r14
  mov $1, %eax
  lock xadd %eax, sigctx_handler_depth(%rip)
  cmp $OBS_MAX_DEPTH, %eax
  jb 1f
  ud2                                        /* nested deeper than there are stacks */
1:
  shl $6, %eax                               /* OBS_SIZE == 64 */
  lea sigctx_handler_observations(%rip), %rbx
  add %rax, %rbx                             /* rbx = this delivery's observation record */
  mov -8(%r15), %rax
  mov %rax, OBS_RFLAGS(%rbx)
  mov -16(%r15), %rax
  mov %rax, OBS_FRAME_RSP(%rbx)
  stmxcsr OBS_MXCSR(%rbx)
  fnstcw OBS_FCW(%rbx)
  testq $ASMF_PKU, sigctx_asm_features(%rip)
  jz 2f
  xor %ecx, %ecx
  rdpkru
  mov %eax, OBS_PKRU(%rbx)
2:
  testq $ASMF_XGETBV1, sigctx_asm_features(%rip)
  jz 3f
  SIGCTX_READ_XINUSE
  mov %rax, OBS_XINUSE(%rbx)
3:
  /* A case whose holds load no base pattern says so (HostBasesKnown): the thread's own. */
  cmpq $0, sigctx_host_bases_known(%rip)
  je 31f
  mov sigctx_host_fsbase(%rip), %rax
  mov %rax, OBS_FSBASE(%rbx)
  mov sigctx_host_gsbase(%rip), %rax
  mov %rax, OBS_GSBASE(%rbx)
  jmp 5f
31:
  testq $ASMF_FSGSBASE, sigctx_asm_features(%rip)
  jz 4f
  rdfsbase %rax
  mov %rax, OBS_FSBASE(%rbx)
  rdgsbase %rax
  mov %rax, OBS_GSBASE(%rbx)
  jmp 5f
4:
  mov $SIGCTX_ARCH_GET_FS, %edi
  lea OBS_FSBASE(%rbx), %rsi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
  mov $SIGCTX_ARCH_GET_GS, %edi
  lea OBS_GSBASE(%rbx), %rsi
  mov $SIGCTX_SYS_ARCH_PRCTL, %eax
  syscall
5:
  mov OBS_FSBASE(%rbx), %rax
  mov %rax, OBS_RESTORE_FSBASE(%rbx)
  /* Compiled code needs the thread's real TLS (errno, the stack protector canary). */
  mov sigctx_host_fsbase(%rip), %rdi
  test %rdi, %rdi
  jz 6f
  cmp OBS_FSBASE(%rbx), %rdi
  je 6f
  call sigctx_set_fsbase_rdi
6:
  cld
  pushfq
  andq $~RFLAGS_AC, (%rsp)
  popfq
  and $-16, %rsp
  mov %r12d, %edi
  mov %r13, %rsi
  mov %r14, %rdx
  mov %rbx, %rcx
  call sigctx_on_signal                      /* rax = irritator, or NULL */
  mov %rax, %r12
  /* Back to the interrupted FS base (or what sigctx_on_signal put in the record). The current
   * base is the host's if step 3 switched, else the one observed at entry. */
  mov sigctx_host_fsbase(%rip), %rax
  test %rax, %rax
  jnz 7f
  mov OBS_FSBASE(%rbx), %rax
7:
  mov OBS_RESTORE_FSBASE(%rbx), %rdi
  cmp %rax, %rdi
  je 8f
  call sigctx_set_fsbase_rdi
8:
  lock decl sigctx_handler_depth(%rip)
  test %r12, %r12
  jz 10f
  mov IRR_IMAGE(%r12), %r13
  mov IRR_LOADERS(%r12), %rsi
  mov %r13, %rdi
  call sigctx_run_routines
  mov -16(%r15), %rax
  mov %rax, sigctx_handler_stack_slot(%rip)  /* slot = frame rsp, for the final XCHG */
  mov %r15, %rsp
  mov %r13, %rdi
  SIGCTX_LOAD_RFLAGS_GPRS
  xchg %rsp, sigctx_handler_stack_slot(%rip) /* back on the frame; slot = this level's top */
  ret
10:
  mov -16(%r15), %rax
  mov %rax, sigctx_handler_stack_slot(%rip)
  mov %r15, %rsp
  xchg %rsp, sigctx_handler_stack_slot(%rip)
  ret
SIGCTX_END(sigctx_handler_entry)

  .data
  .p2align 3
  .globl sigctx_handler_stack_slot
  .hidden sigctx_handler_stack_slot
sigctx_handler_stack_slot:
  .quad sigctx_handler_stacks + OBS_MAX_DEPTH * HANDLER_STACK_SIZE
  .globl sigctx_handler_depth
  .hidden sigctx_handler_depth
sigctx_handler_depth:
  .long 0
  .long 0
  .globl sigctx_asm_features
  .hidden sigctx_asm_features
sigctx_asm_features:
  .quad 0
  .globl sigctx_host_fsbase
  .hidden sigctx_host_fsbase
sigctx_host_fsbase:
  .quad 0
  .globl sigctx_host_gsbase
  .hidden sigctx_host_gsbase
sigctx_host_gsbase:
  .quad 0
  .globl sigctx_host_bases_known
  .hidden sigctx_host_bases_known
sigctx_host_bases_known:
  .quad 0

  .bss
  .p2align 6
  .globl sigctx_handler_stacks
  .hidden sigctx_handler_stacks
sigctx_handler_stacks:
  .zero OBS_MAX_DEPTH * HANDLER_STACK_SIZE
  .globl sigctx_handler_observations
  .hidden sigctx_handler_observations
sigctx_handler_observations:
  .zero OBS_MAX_DEPTH * OBS_SIZE

SIGCTX_NOEXECSTACK
