/* Byte offsets of struct ContextControl (context/context_control.h), which the hand-written
 * context routines (context_switch.S) read. #defines only: the .S files include it too. */
#ifndef SIGCTX_CONTEXT_CONTEXT_LAYOUT_H
#define SIGCTX_CONTEXT_CONTEXT_LAYOUT_H

#define CTX_GETCONTEXT 0x00
#define CTX_SETCONTEXT 0x08
#define CTX_SWAPCONTEXT 0x10
#define CTX_PRIMARY 0x18
#define CTX_SIDE 0x20
#define CTX_BACK 0x28
#define CTX_IRRITATOR 0x30
#define CTX_IRRITATOR_LOADERS 0x38
#define CTX_BEFORE_RESUME 0x40
#define CTX_PHASE 0x48
#define CTX_SET_SIGMASK 0x50
#define CTX_IRRITATOR_SIGMASK 0x58
#define CTX_DELIVERED 0x60
#define CTX_SIZE 0x68

#define CTX_SYS_RT_SIGPROCMASK 14
#define CTX_SYS_EXIT 60
#define CTX_SIG_SETMASK 2

#endif
