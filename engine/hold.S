/* The hold driver: load every component of a pattern, perform one transition, store every
 * component back. No compiled code runs between the first load and the last store.
 *
 *   void sigctx_hold(const CpuImage* in, CpuImage* out, const HoldPlan* plan)
 *
 * Transitions (plan->action):
 *   NONE     load, then store at once: the null transition that validates loaders and stores.
 *   SYSCALL  execute one SYSCALL with the GPRs of the image (rax = number, rdi/rsi/rdx = args),
 *            e.g. tgkill to raise a signal synchronously. SYSCALL itself clobbers rcx and r11.
 *   SPIN     spin on `jmp .`, touching no register and no flag, until a signal handler moves
 *            the frame's rip to sigctx_hold_spin_exit. Before spinning, sigctx_spin_armed is
 *            set to 1 so a sender knows the state is fully loaded.
 *   ROUTINE  call the dirty routine at sigctx_active_routine (xstate/routines/) once.
 *   ROUTINE_STEP  the same with RFLAGS.TF set just before the call, so every routine instruction
 *            boundary traps (SIGTRAP); the handler clears TF in the frame when the trap reaches
 *            sigctx_hold_step_return, before anything is stored.
 *   ROUTINE_LOOP  call the routine sigctx_routine_loops times (flags then carry the loop's DEC),
 *            after setting sigctx_spin_armed, for signal storms from other threads.
 *   SYSCALL_LOOP  execute the image's SYSCALL plan->loops times (sched_yield, a futex sleep):
 *            rax is reloaded with the number after each and the count lives in the frame, so
 *            every GPR but rcx and r11 comes back as loaded, rax as the number, and RFLAGS as
 *            loaded. sigctx_switch_hook_before/after run around each SYSCALL.
 *   SPIN_FLAG  add 1 to sigctx_spin_ready, then spin until sigctx_spin_stop is non-zero, read
 *            through rcx (its one clobber): the scheduler switches threads out and in. The
 *            hooks run around each iteration.
 *
 * The caller's MXCSR, x87 control word and (with PLAN_OPT_PKRU) PKRU are restored on the way
 * out, and the x87 stack is emptied: the SysV ABI needs them so, and compiled code runs next. */
#include "xstate/asm.h"
#include "xstate/gpr_rflags.inc"

#define F_IN HOLD_F_IN
#define F_OUT HOLD_F_OUT
#define F_PLAN HOLD_F_PLAN
#define F_RAX 24
#define F_FLAGS 32
#define F_MXCSR 40
#define F_FCW 44
#define F_PKRU 48
#define F_NR 56
#define F_LOOPS 64
#define F_SIZE 72 /* keeps rsp 16-byte aligned after the six pushes */

SIGCTX_FUNC(sigctx_hold)
  push %rbp
  push %rbx
  push %r12
  push %r13
  push %r14
  push %r15
  sub $F_SIZE, %rsp
  mov %rdi, F_IN(%rsp)
  mov %rsi, F_OUT(%rsp)
  mov %rdx, F_PLAN(%rsp)
  /* The store routines put the host FS/GS base back from the out image: take them from in, so
   * no caller can leave them zero (compiled code would then run without its TLS). */
  mov IMG_HOST_FSBASE(%rdi), %rax
  mov %rax, IMG_HOST_FSBASE(%rsi)
  mov IMG_HOST_GSBASE(%rdi), %rax
  mov %rax, IMG_HOST_GSBASE(%rsi)
  stmxcsr F_MXCSR(%rsp)
  fnstcw F_FCW(%rsp)
  testq $PLAN_OPT_PKRU, PLAN_OPTIONS(%rdx)
  jz 1f
  xor %ecx, %ecx
  rdpkru
  mov %eax, F_PKRU(%rsp)
1:
  /* Components to put in their init state first (XRSTOR); loaders then fill the rest. */
  mov F_IN(%rsp), %rdi
  cmpq $0, IMG_INIT_MASK(%rdi)
  je 10f
  call sigctx_xstate_init_load
10:
  /* Component loaders, in registration order. */
  mov F_PLAN(%rsp), %rdx
  mov PLAN_LOADERS(%rdx), %rsi
  mov F_IN(%rsp), %rdi
  call sigctx_run_routines
  /* XINUSE now: what the hardware tracks as in use at the transition (GPR and flag loads
   * below do not change it). */
  mov F_PLAN(%rsp), %rdx
  testq $PLAN_OPT_XINUSE, PLAN_OPTIONS(%rdx)
  jz 4f
  SIGCTX_READ_XINUSE
  mov F_OUT(%rsp), %rcx
  mov %rax, IMG_XINUSE(%rcx)
4:
  mov F_OUT(%rsp), %rcx
  mov %rsp, IMG_RSP_BEFORE(%rcx)
  mov F_PLAN(%rsp), %rdx
  mov PLAN_ACTION(%rdx), %rax
  mov F_IN(%rsp), %rdi
  cmp $PLAN_ACTION_SYSCALL, %rax
  je .Lsyscall
  cmp $PLAN_ACTION_SPIN, %rax
  je .Lspin
  cmp $PLAN_ACTION_ROUTINE, %rax
  je .Lroutine
  cmp $PLAN_ACTION_ROUTINE_STEP, %rax
  je .Lroutine_step
  cmp $PLAN_ACTION_ROUTINE_LOOP, %rax
  je .Lroutine_loop
  cmp $PLAN_ACTION_SYSCALL_LOOP, %rax
  je .Lsyscall_loop
  cmp $PLAN_ACTION_SPIN_FLAG, %rax
  je .Lspin_flag

  SIGCTX_LOAD_RFLAGS_GPRS
  .globl sigctx_hold_none
  .hidden sigctx_hold_none
sigctx_hold_none:
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS
  jmp .Lstores

.Lsyscall:
  SIGCTX_LOAD_RFLAGS_GPRS
  .globl sigctx_hold_syscall
  .hidden sigctx_hold_syscall
sigctx_hold_syscall:
  syscall
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS
  jmp .Lstores

.Lspin:
  SIGCTX_LOAD_RFLAGS_GPRS
  movl $1, sigctx_spin_armed(%rip)
  .globl sigctx_hold_spin
  .hidden sigctx_hold_spin
sigctx_hold_spin:
  jmp sigctx_hold_spin
  .globl sigctx_hold_spin_exit
  .hidden sigctx_hold_spin_exit
sigctx_hold_spin_exit:
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS

  jmp .Lstores

.Lroutine:
  SIGCTX_LOAD_RFLAGS_GPRS
  call *sigctx_active_routine(%rip)
  .globl sigctx_hold_routine_return
  .hidden sigctx_hold_routine_return
sigctx_hold_routine_return:
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS
  jmp .Lstores

.Lroutine_step:
  SIGCTX_LOAD_RFLAGS_GPRS
  /* TF on, every other flag as loaded; the first trap follows the CALL: boundary 0. */
  pushfq
  orq $RFLAGS_TF, (%rsp)
  popfq
  call *sigctx_active_routine(%rip)
  .globl sigctx_hold_step_return
  .hidden sigctx_hold_step_return
sigctx_hold_step_return:
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS
  jmp .Lstores

.Lroutine_loop:
  SIGCTX_LOAD_RFLAGS_GPRS
  movl $1, sigctx_spin_armed(%rip)
  .globl sigctx_hold_loop
  .hidden sigctx_hold_loop
sigctx_hold_loop:
  call *sigctx_active_routine(%rip)
  decq sigctx_routine_loops(%rip)
  jnz sigctx_hold_loop
  .globl sigctx_hold_loop_return
  .hidden sigctx_hold_loop_return
sigctx_hold_loop_return:
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS

  jmp .Lstores

.Lsyscall_loop:
  mov PLAN_LOOPS(%rdx), %rax
  mov %rax, F_LOOPS(%rsp)
  mov IMG_RAX(%rdi), %rax
  mov %rax, F_NR(%rsp)
  SIGCTX_LOAD_RFLAGS_GPRS
  .globl sigctx_hold_syscall_loop
  .hidden sigctx_hold_syscall_loop
sigctx_hold_syscall_loop:
  call *sigctx_switch_hook_before(%rip)
  .globl sigctx_hold_syscall_loop_switch
  .hidden sigctx_hold_syscall_loop_switch
sigctx_hold_syscall_loop_switch:
  syscall
  mov F_NR(%rsp), %rax
  call sigctx_switch_witness
  call *sigctx_switch_hook_after(%rip)
  /* Count down in rcx, which SYSCALL clobbers anyway: LEA and JRCXZ leave the flags alone. */
  mov F_LOOPS(%rsp), %rcx
  lea -1(%rcx), %rcx
  mov %rcx, F_LOOPS(%rsp)
  jrcxz 1f
  jmp sigctx_hold_syscall_loop
1:
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS
  jmp .Lstores

.Lspin_flag:
  lock incl sigctx_spin_ready(%rip)
  SIGCTX_LOAD_RFLAGS_GPRS
  .globl sigctx_hold_spin_flag
  .hidden sigctx_hold_spin_flag
sigctx_hold_spin_flag:
  call *sigctx_switch_hook_before(%rip)
  .globl sigctx_hold_spin_flag_switch
  .hidden sigctx_hold_spin_flag_switch
sigctx_hold_spin_flag_switch:
  pause
  call sigctx_switch_witness
  call *sigctx_switch_hook_after(%rip)
  /* The flag is read into rcx, so that no flag changes: rcx is the spin's one clobber. */
  mov sigctx_spin_stop(%rip), %ecx
  jrcxz sigctx_hold_spin_flag
  SIGCTX_STORE_GPRS_RFLAGS F_OUT, F_RAX, F_FLAGS

.Lstores:
  mov F_PLAN(%rsp), %rdx
  mov PLAN_STORES(%rdx), %rsi
  mov F_OUT(%rsp), %rdi
  call sigctx_run_routines
  fninit
  fldcw F_FCW(%rsp)
  ldmxcsr F_MXCSR(%rsp)
  mov F_PLAN(%rsp), %rdx
  testq $PLAN_OPT_PKRU, PLAN_OPTIONS(%rdx)
  jz 7f
  mov F_PKRU(%rsp), %eax
  xor %ecx, %ecx
  xor %edx, %edx
  wrpkru
7:
  mov F_PLAN(%rsp), %rdx
  testq $PLAN_OPT_VZEROUPPER, PLAN_OPTIONS(%rdx)
  jz 8f
  vzeroupper
8:
  add $F_SIZE, %rsp
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %rbx
  pop %rbp
  ret
SIGCTX_END(sigctx_hold)

  .globl sigctx_hold_end
  .hidden sigctx_hold_end
sigctx_hold_end:

SIGCTX_FUNC(sigctx_switch_hook_none)
  ret
SIGCTX_END(sigctx_switch_hook_none)

/* void sigctx_switch_mark(SwitchWitness* w): with RDTSCP usable, marks the units' shared word
 * with this CPU and unit, and counts in w->seen a previous mark of another unit from this CPU.
 * Preserves every register and flag: the hold calls it with its pattern loaded, the step-yield
 * handler from compiled code. */
SIGCTX_FUNC(sigctx_switch_mark)
  pushfq
  push %rax
  push %rcx
  push %rdx
  testq $ASMF_RDTSCP, sigctx_asm_features(%rip)
  jz 9f
  rdtscp
  and $0xfff, %ecx                   /* Linux keeps node << 12 | cpu in TSC_AUX */
  shl $8, %rcx
  mov WIT_UNIT(%rdi), %rdx
  or %rcx, %rdx                      /* rdx = this unit's mark */
  mov WIT_LAST(%rdi), %rax
  xchg %rdx, (%rax)                  /* rdx = the latest mark before this one */
  test %rdx, %rdx
  jz 9f                              /* the first mark */
  mov %rdx, %rax
  shr $8, %rax
  shr $8, %rcx
  cmp %rcx, %rax
  jne 9f                             /* from another CPU */
  cmp %dl, WIT_UNIT(%rdi)
  je 9f                              /* this unit's own */
  incq WIT_SEEN(%rdi)
9:
  pop %rdx
  pop %rcx
  pop %rax
  popfq
  ret
SIGCTX_END(sigctx_switch_mark)

/* Called from a SYSCALL_LOOP or SPIN_FLAG hold after each switch point, its frame 8 bytes above
 * rsp on entry: sigctx_switch_mark(plan->witness) when the plan has one. Preserves every
 * register and flag. It runs between the switch hooks, so a switch while it runs falls where the
 * emulated switch bugs take effect, as one at the switch point does. */
SIGCTX_FUNC(sigctx_switch_witness)
  pushfq
  push %rdi
  mov 24+F_PLAN(%rsp), %rdi          /* two saves and the return address above the frame */
  mov PLAN_WITNESS(%rdi), %rdi
  test %rdi, %rdi
  jz 1f
  call sigctx_switch_mark
1:
  pop %rdi
  popfq
  ret
SIGCTX_END(sigctx_switch_witness)

/* Called from a SYSCALL_LOOP or SPIN_FLAG hold, whose frame lies 8 bytes above the hook's rsp
 * on entry. Saves every GPR (in image order, a dummy for rsp) and RFLAGS, applies the plan's
 * fault once, and puts back what it saved, but for the slot a GPR fault targets. */
#define HF_SAVED (17 * 8)            /* 16 GPR slots + RFLAGS */
#define HF_HOLD (HF_SAVED + 8)       /* the hold's rsp, above the return address */
SIGCTX_FUNC(sigctx_switch_hook_fault)
  pushfq
  push %r15
  push %r14
  push %r13
  push %r12
  push %r11
  push %r10
  push %r9
  push %r8
  push %rdi
  push %rsi
  push %rbp
  push %rsp                          /* slot 4: rsp, never a fault target */
  push %rbx
  push %rdx
  push %rcx
  push %rax                          /* (%rsp) = slot 0 = rax; 128(%rsp) = RFLAGS */
  cld
  mov HF_HOLD+F_PLAN(%rsp), %rax
  cmpq $0, PLAN_FAULT_ARMED(%rax)
  je 9f
  movq $0, PLAN_FAULT_ARMED(%rax)
  mov PLAN_FAULT_SLOT(%rax), %rcx
  test %rcx, %rcx
  jz 1f
  mov PLAN_FAULT_VALUE(%rax), %rdx
  mov %rdx, -8(%rsp,%rcx,8)
  jmp 9f
1:
  mov PLAN_FAULT_LOADERS(%rax), %rsi
  mov PLAN_FAULT_IMAGE(%rax), %rdi
  call sigctx_run_routines
9:
  pop %rax
  pop %rcx
  pop %rdx
  pop %rbx
  add $8, %rsp
  pop %rbp
  pop %rsi
  pop %rdi
  pop %r8
  pop %r9
  pop %r10
  pop %r11
  pop %r12
  pop %r13
  pop %r14
  pop %r15
  popfq
  ret
SIGCTX_END(sigctx_switch_hook_fault)

  .data
  .p2align 6
  .globl sigctx_spin_armed
  .hidden sigctx_spin_armed
sigctx_spin_armed:
  .long 0
  .long 0
  .globl sigctx_active_routine
  .hidden sigctx_active_routine
sigctx_active_routine:
  .quad 0
  .globl sigctx_routine_loops
  .hidden sigctx_routine_loops
sigctx_routine_loops:
  .quad 0
  .globl sigctx_switch_hook_before
  .hidden sigctx_switch_hook_before
sigctx_switch_hook_before:
  .quad sigctx_switch_hook_none
  .globl sigctx_switch_hook_after
  .hidden sigctx_switch_hook_after
sigctx_switch_hook_after:
  .quad sigctx_switch_hook_none

  /* A page of its own: a case may replace it with shared memory before forking. */
  .section .data.sigctx_switch_page, "aw", @progbits
  .p2align 12
  .globl sigctx_switch_page
  .hidden sigctx_switch_page
sigctx_switch_page:
  .globl sigctx_spin_ready
  .hidden sigctx_spin_ready
sigctx_spin_ready:
  .long 0
  .p2align 6
  .globl sigctx_spin_stop
  .hidden sigctx_spin_stop
sigctx_spin_stop:
  .long 0
  .p2align 12

SIGCTX_NOEXECSTACK
