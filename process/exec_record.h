/* The record the exec helper (exec_entry.S) writes to fd 3: every register as the new program
 * found it at its ELF entry point, before any other instruction of it ran. Included by the
 * assembly and by C++ (struct ExecRecord in exec_case.cpp), so it holds only #defines. */
#ifndef SIGCTX_PROCESS_EXEC_RECORD_H
#define SIGCTX_PROCESS_EXEC_RECORD_H

#define EXEC_REC_MAGIC 0x00 /* "SIGCTXEX" */
#define EXEC_REC_GPR 0x08   /* 16 GPRs in hardware order, rsp as at entry */
#define EXEC_REC_RFLAGS 0x88
#define EXEC_REC_FSBASE 0x90 /* arch_prctl(ARCH_GET_FS), after the XSAVE */
#define EXEC_REC_GSBASE 0x98
#define EXEC_REC_XCR0 0xa0
#define EXEC_REC_XINUSE 0xa8 /* XGETBV(1) when EXEC_F_XINUSE */
#define EXEC_REC_FLAGS 0xb0
#define EXEC_REC_AREA_SIZE 0xb8 /* bytes of the area written: CPUID.(0xD,0):EBX, or 512 */
#define EXEC_REC_ARGC 0xc0      /* the word at the entry rsp */
#define EXEC_REC_AREA 0x100     /* 64-byte aligned XSAVE (standard format) or FXSAVE area */
#define EXEC_REC_AREA_MAX 0x8000
#define EXEC_REC_SIZE (EXEC_REC_AREA + EXEC_REC_AREA_MAX)

#define EXEC_F_XSAVE 1  /* the area is XSAVE's, RFBM = XCR0; otherwise FXSAVE's */
#define EXEC_F_XINUSE 2 /* XINUSE was readable */

/* Exit statuses of the helper besides 0. */
#define EXEC_EXIT_AREA_TOO_BIG 3
#define EXEC_EXIT_WRITE_FAILED 4

#define EXEC_RECORD_FD 3

#endif
