/* Byte offsets of the register image (struct CpuImage in xstate/image.h). This header is
 * included by the hand-written .S kernels as well as by C++, so it holds only #defines.
 * C++ static_asserts in image.h keep the two views identical. */
#ifndef SIGCTX_XSTATE_IMAGE_LAYOUT_H
#define SIGCTX_XSTATE_IMAGE_LAYOUT_H

/* General-purpose registers in hardware encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
#define IMG_GPR 0x000
#define IMG_RAX (IMG_GPR + 0 * 8)
#define IMG_RCX (IMG_GPR + 1 * 8)
#define IMG_RDX (IMG_GPR + 2 * 8)
#define IMG_RBX (IMG_GPR + 3 * 8)
#define IMG_RSP (IMG_GPR + 4 * 8)
#define IMG_RBP (IMG_GPR + 5 * 8)
#define IMG_RSI (IMG_GPR + 6 * 8)
#define IMG_RDI (IMG_GPR + 7 * 8)
#define IMG_R8 (IMG_GPR + 8 * 8)
#define IMG_R9 (IMG_GPR + 9 * 8)
#define IMG_R10 (IMG_GPR + 10 * 8)
#define IMG_R11 (IMG_GPR + 11 * 8)
#define IMG_R12 (IMG_GPR + 12 * 8)
#define IMG_R13 (IMG_GPR + 13 * 8)
#define IMG_R14 (IMG_GPR + 14 * 8)
#define IMG_R15 (IMG_GPR + 15 * 8)
#define IMG_RFLAGS 0x080
#define IMG_FSBASE 0x088
#define IMG_GSBASE 0x090
#define IMG_MXCSR 0x098
#define IMG_PKRU 0x09c
#define IMG_OPMASK 0x0a0 /* k0..k7, 8 bytes each */
#define IMG_X87_FCW 0x0e0
#define IMG_X87_FSW 0x0e2
/* FTW: the abridged tag byte as FXSAVE stores it, bit i = physical register i valid. */
#define IMG_X87_FTW 0x0e4
#define IMG_X87_DEPTH 0x0e6 /* loader input: how many values to push (0..8) */
#define IMG_X87_FOP 0x0e8
#define IMG_X87_FIP 0x0f0
#define IMG_X87_FDP 0x0f8
#define IMG_X87_ST 0x100 /* ST(0)..ST(7), 16-byte slots holding 10-byte values */
/* Bookkeeping, never compared. */
#define IMG_HOST_FSBASE 0x180 /* the fsbase/gsbase store routines put these back after reading */
#define IMG_HOST_GSBASE 0x188
#define IMG_XINUSE 0x190     /* XGETBV(1) recorded by the hold driver just before the transition */
#define IMG_RSP_BEFORE 0x198 /* rsp recorded by the hold driver just before the transition */
/* XSAVE components the driver puts in their init state (XRSTOR, XSTATE_BV clear) before the
 * component loaders run. */
#define IMG_INIT_MASK 0x1a0
/* xsave_other's XRSTOR/XSAVE mask (sigctx_xsave_other_rfbm, copied by CpuImage's constructor and
 * clear()): its routines read it from the image they work on, never from a global, so they run
 * under a PKRU that denies the key of the program's own data (signal/altstack/pkey-denied). */
#define IMG_XGEN_RFBM 0x1a8
#define IMG_ZMM 0x200     /* zmm0..zmm31, 64 bytes each: xmm = [0,16), ymm_hi = [16,32) */
#define IMG_SCRATCH 0xa00 /* 512 bytes, 64-byte aligned: FXSAVE area used by the x87 store */
/* AMX: TILECFG in LDTILECFG's 64-byte format (the XSAVE component 17 layout), then TMM0..TMM7,
 * 16 rows of 64 bytes each (the component 18 layout, palette 1). */
#define IMG_TILECFG 0xc00
#define IMG_TILECFG_ROWS 48 /* inside TILECFG: each tile's rows, one byte per tile */
#define IMG_TILES 0xc40
#define IMG_TILE_BYTES 1024
#define IMG_TILE_ROW_BYTES 64
/* xsave_other: XSAVE standard-format bytes from offset 512 on (the header, then the extended
 * components) for XRSTOR and XSAVE at IMG_XGEN - 512, which must stay 64-byte aligned. Covers
 * components that end by offset 512 + IMG_XGEN_BYTES (APX: offset 960, 128 bytes). */
#define IMG_XGEN 0x2c40
#define IMG_XGEN_BYTES 0xa00
#define IMG_XGEN_XSAVE_BASE 512
/* Slots the component registry hands out to components that have no fixed place above
 * (ComponentDescriptor::slot_bytes), each 64-byte aligned: a component's routines get the
 * address of its slot in rsi. */
#define IMG_EXT 0x3640
#define IMG_EXT_BYTES 0x400
#define IMG_SIZE 0x3a40

#define IMG_ZMM_REG(n) (IMG_ZMM + (n)*64)
#define IMG_TILE(n) (IMG_TILES + (n)*IMG_TILE_BYTES)

/* The hold driver's frame, as hooks called from it see it (hold.S). */
#define HOLD_F_IN 0
#define HOLD_F_OUT 8
#define HOLD_F_PLAN 16

/* Hold plan (struct HoldPlan in engine/hold.h). */
#define PLAN_ACTION 0x00
#define PLAN_LOADERS 0x08
#define PLAN_STORES 0x10
#define PLAN_OPTIONS 0x18
#define PLAN_LOOPS 0x20 /* SYSCALL_LOOP: how many system calls */
/* The switch fault hook (sigctx_switch_hook_fault): armed once, it either overwrites one saved
 * GPR or RFLAGS slot (1 + index in image order, 17 = RFLAGS) with fault_value, or runs
 * fault_loaders on fault_image. */
#define PLAN_FAULT_ARMED 0x28
#define PLAN_FAULT_SLOT 0x30
#define PLAN_FAULT_VALUE 0x38
#define PLAN_FAULT_IMAGE 0x40
#define PLAN_FAULT_LOADERS 0x48
#define PLAN_FAULT_SLOT_RFLAGS 17
/* The switch witness (sigctx_switch_witness; struct SwitchWitness in engine/hold.h), or 0. */
#define PLAN_WITNESS 0x50
#define WIT_LAST 0 /* pointer to the word the units share: the latest mark, cpu << 8 | unit */
#define WIT_UNIT 8
#define WIT_SEEN 16
#define PLAN_ACTION_NONE 0
#define PLAN_ACTION_SYSCALL 1
#define PLAN_ACTION_SPIN 2
#define PLAN_ACTION_ROUTINE 3      /* call sigctx_active_routine once */
#define PLAN_ACTION_ROUTINE_STEP 4 /* the same with RFLAGS.TF set: a SIGTRAP at every boundary */
#define PLAN_ACTION_ROUTINE_LOOP 5 /* call it sigctx_routine_loops times (async storms) */
#define PLAN_ACTION_SYSCALL_LOOP 6 /* the image's system call, plan->loops times (switch/) */
#define PLAN_ACTION_SPIN_FLAG 7    /* spin until sigctx_spin_stop is set (switch/) */
#define PLAN_OPT_XINUSE 1          /* record XGETBV(1) into the out image */
#define PLAN_OPT_PKRU 2            /* save and restore the caller's PKRU around the hold */
#define PLAN_OPT_VZEROUPPER 4

/* Features the assembly needs to know at run time (sigctx_asm_features). */
#define ASMF_FSGSBASE 1 /* RD/WRFSBASE usable; otherwise arch_prctl */
#define ASMF_PKU 2      /* RDPKRU/WRPKRU usable */
#define ASMF_XGETBV1 4  /* XGETBV with ECX=1 */
#define ASMF_ZMM 8      /* AVX-512 state enabled: EVEX instructions usable */
#define ASMF_RDTSCP 16  /* RDTSCP gives the CPU number in TSC_AUX (not under an emulator) */

/* Handler observation record (struct HandlerObservation in engine/handler.h). */
#define OBS_RFLAGS 0
#define OBS_FRAME_RSP 8
#define OBS_FSBASE 16
#define OBS_GSBASE 24
#define OBS_RESTORE_FSBASE 32
#define OBS_XINUSE 40
#define OBS_MXCSR 48
#define OBS_FCW 52
#define OBS_PKRU 56
#define OBS_SIZE 64
#define OBS_MAX_DEPTH 4

/* Irritator (struct Irritator in engine/handler.h): what the handler loads before returning. */
#define IRR_IMAGE 0
#define IRR_LOADERS 8

#define HANDLER_STACK_SIZE 0x20000 /* one private stack per nesting level */

/* Linux ABI numbers used by the assembly. */
#define SIGCTX_SYS_ARCH_PRCTL 158
#define SIGCTX_ARCH_SET_GS 0x1001
#define SIGCTX_ARCH_SET_FS 0x1002
#define SIGCTX_ARCH_GET_FS 0x1003
#define SIGCTX_ARCH_GET_GS 0x1004

#define RFLAGS_TF 0x100
#define RFLAGS_DF 0x400
#define RFLAGS_AC 0x40000

#endif
