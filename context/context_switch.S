/* The context routines: each captures a context, runs the irritator (another pattern in every
 * component, the callee-saved GPRs and the signal mask) and resumes the context, through the
 * libc API only. No compiled code of sigctx runs between the hold driver's loads and stores
 * except the before_resume hook, which runs where a handler would, before the irritator.
 * Everything they need is in sigctx_context_control (context/context_control.h). */
#include "xstate/asm.h"
#include "context/context_layout.h"

#define CTL(field) sigctx_context_control+field(%rip)

/* Calls the before_resume hook, if any, with the context in %rdi. Clobbers caller-saved. */
.macro BEFORE_RESUME
  mov CTL(CTX_BEFORE_RESUME), %rax
  test %rax, %rax
  jz 1f
  call *%rax
1:
.endm

/* The signal mask, then every component, then rbx, rbp and r12-r15 take the irritator's values.
 * Clobbers every caller-saved register. */
.macro IRRITATE
  cmpq $0, CTL(CTX_SET_SIGMASK)
  je 2f
  mov $CTX_SYS_RT_SIGPROCMASK, %eax
  mov $CTX_SIG_SETMASK, %edi
  lea CTL(CTX_IRRITATOR_SIGMASK), %rsi
  xor %edx, %edx
  mov $8, %r10d
  syscall
2:
  mov CTL(CTX_IRRITATOR), %rdi
  mov CTL(CTX_IRRITATOR_LOADERS), %rsi
  call sigctx_run_routines
  mov CTL(CTX_IRRITATOR), %rax
  mov IMG_RBX(%rax), %rbx
  mov IMG_RBP(%rax), %rbp
  mov IMG_R12(%rax), %r12
  mov IMG_R13(%rax), %r13
  mov IMG_R14(%rax), %r14
  mov IMG_R15(%rax), %r15
.endm

/* Entered by CALL from the hold driver with rsp 8 mod 16. */
SIGCTX_FUNC(sigctx_context_routine_setcontext)
  sub $8, %rsp
  mov CTL(CTX_PRIMARY), %rdi
  call *CTL(CTX_GETCONTEXT)
  .globl sigctx_context_setcontext_resumed
  .hidden sigctx_context_setcontext_resumed
sigctx_context_setcontext_resumed:
  /* getcontext returns twice; only memory tells the returns apart. */
  cmpq $0, CTL(CTX_PHASE)
  jne 3f
  movq $1, CTL(CTX_PHASE)
  mov CTL(CTX_PRIMARY), %rdi
  BEFORE_RESUME
  IRRITATE
  mov CTL(CTX_PRIMARY), %rdi
  call *CTL(CTX_SETCONTEXT)
  ud2 /* setcontext returned: it failed */
3:
  add $8, %rsp
  ret
SIGCTX_END(sigctx_context_routine_setcontext)

SIGCTX_FUNC(sigctx_context_routine_swapcontext)
  sub $8, %rsp
  mov CTL(CTX_PRIMARY), %rdi
  mov CTL(CTX_SIDE), %rsi
  call *CTL(CTX_SWAPCONTEXT)
  .globl sigctx_context_swapcontext_resumed
  .hidden sigctx_context_swapcontext_resumed
sigctx_context_swapcontext_resumed:
  add $8, %rsp
  ret
SIGCTX_END(sigctx_context_routine_swapcontext)

/* makecontext's entry: rsp 8 mod 16 as after a CALL. It never returns. */
SIGCTX_FUNC(sigctx_context_side_entry)
  sub $8, %rsp
  mov CTL(CTX_PRIMARY), %rdi
  BEFORE_RESUME
  IRRITATE
  mov CTL(CTX_SIDE), %rdi
  mov CTL(CTX_PRIMARY), %rsi
  call *CTL(CTX_SWAPCONTEXT)
  ud2
SIGCTX_END(sigctx_context_side_entry)

SIGCTX_FUNC(sigctx_context_routine_capture_exit)
  sub $8, %rsp
  mov CTL(CTX_PRIMARY), %rdi
  call *CTL(CTX_GETCONTEXT)
  .globl sigctx_context_capture_resumed
  .hidden sigctx_context_capture_resumed
sigctx_context_capture_resumed:
  cmpq $0, CTL(CTX_PHASE)
  jne 4f
  movq $1, CTL(CTX_PHASE)
  /* End this thread with its pattern live: no libc code runs, and its stack stays as the
   * context left it for the thread that resumes it. */
  mov $CTX_SYS_EXIT, %eax
  xor %edi, %edi
  syscall
  ud2
4:
  add $8, %rsp
  ret
SIGCTX_END(sigctx_context_routine_capture_exit)

/* sa_sigaction: rdi = signal, rsi = siginfo, rdx = ucontext; rsp 8 mod 16. */
SIGCTX_FUNC(sigctx_context_handler_setcontext)
  sub $8, %rsp
  mov %rdx, CTL(CTX_PRIMARY)
  lock incq CTL(CTX_DELIVERED)
  mov %rdx, %rdi
  BEFORE_RESUME
  IRRITATE
  mov CTL(CTX_PRIMARY), %rdi
  call *CTL(CTX_SETCONTEXT)
  ud2
SIGCTX_END(sigctx_context_handler_setcontext)

/* Called from compiled code: keeps the callee-saved registers of its caller for the return
 * that setcontext(back) makes. */
SIGCTX_FUNC(sigctx_context_resume_here)
  push %rbx
  push %rbp
  push %r12
  push %r13
  push %r14
  push %r15
  sub $8, %rsp
  mov CTL(CTX_BACK), %rdi
  call *CTL(CTX_GETCONTEXT)
  cmpq $1, CTL(CTX_PHASE)
  jne 5f
  movq $2, CTL(CTX_PHASE)
  mov CTL(CTX_PRIMARY), %rdi
  BEFORE_RESUME
  IRRITATE
  mov CTL(CTX_PRIMARY), %rdi
  call *CTL(CTX_SETCONTEXT)
  ud2
5:
  add $8, %rsp
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %rbp
  pop %rbx
  ret
SIGCTX_END(sigctx_context_resume_here)

  .bss
  .p2align 6
  .globl sigctx_context_control
  .hidden sigctx_context_control
  .type sigctx_context_control, @object
sigctx_context_control:
  .zero CTX_SIZE
  .size sigctx_context_control, CTX_SIZE

SIGCTX_NOEXECSTACK
