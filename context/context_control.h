// The block the hand-written context routines (context_switch.S) work from: the libc context
// API, the contexts they capture and resume, and the irritator that runs between capture and
// resume. One per process: a case's child sets it up before each transition.
#pragma once

#include <signal.h>
#include <ucontext.h>

#include <cstddef>
#include <cstdint>

#include "context/context_layout.h"
#include "xstate/component.h"

namespace sigctx {

struct ContextControl {
  // The libc functions, or null where the libc lacks them (context/context_api.h).
  int (*getcontext)(ucontext_t*) = nullptr;
  int (*setcontext)(const ucontext_t*) = nullptr;
  int (*swapcontext)(ucontext_t*, const ucontext_t*) = nullptr;
  ucontext_t* primary = nullptr;  // captured by the transition and resumed at its end
  ucontext_t* side = nullptr;     // the makecontext context swapped to
  ucontext_t* back = nullptr;     // where the resuming thread returns to (thread transition)
  // Loaded between capture and resume: every component, then rbx, rbp and r12-r15.
  const CpuImage* irritator = nullptr;
  const ComponentRoutine* irritator_loaders = nullptr;
  // Compiled code run right before the irritator, with the context about to be resumed: fault
  // injection and --emulate edit the context here, as a broken libc or kernel would.
  void (*before_resume)(ucontext_t* resumed) = nullptr;
  uint64_t phase = 0;  // how far a context that returns twice has got
  uint64_t set_sigmask = 0;
  uint64_t irritator_sigmask = 0;  // with set_sigmask: the mask the irritator installs
  uint64_t delivered = 0;          // signals the context handlers took
};
static_assert(offsetof(ContextControl, getcontext) == CTX_GETCONTEXT);
static_assert(offsetof(ContextControl, setcontext) == CTX_SETCONTEXT);
static_assert(offsetof(ContextControl, swapcontext) == CTX_SWAPCONTEXT);
static_assert(offsetof(ContextControl, primary) == CTX_PRIMARY);
static_assert(offsetof(ContextControl, side) == CTX_SIDE);
static_assert(offsetof(ContextControl, back) == CTX_BACK);
static_assert(offsetof(ContextControl, irritator) == CTX_IRRITATOR);
static_assert(offsetof(ContextControl, irritator_loaders) == CTX_IRRITATOR_LOADERS);
static_assert(offsetof(ContextControl, before_resume) == CTX_BEFORE_RESUME);
static_assert(offsetof(ContextControl, phase) == CTX_PHASE);
static_assert(offsetof(ContextControl, set_sigmask) == CTX_SET_SIGMASK);
static_assert(offsetof(ContextControl, irritator_sigmask) == CTX_IRRITATOR_SIGMASK);
static_assert(offsetof(ContextControl, delivered) == CTX_DELIVERED);
static_assert(sizeof(ContextControl) == CTX_SIZE);

}  // namespace sigctx

extern "C" {
extern sigctx::ContextControl sigctx_context_control;

// Dirty routines for the hold driver's ROUTINE action (rsp and the callee-saved GPRs of the
// pattern are live when they are called):
//   setcontext: getcontext(primary); the first return irritates and setcontext(primary)s; the
//     second returns to the hold.
//   swapcontext: swapcontext(primary, side); sigctx_context_side_entry irritates and swaps back.
//   capture_exit: getcontext(primary); the first return ends the thread with a raw SYS_exit,
//     its pattern still live; the second (on whichever thread resumed it) returns to the hold.
void sigctx_context_routine_setcontext();
void sigctx_context_routine_swapcontext();
void sigctx_context_routine_capture_exit();
// Where the contexts of those kernels resume: the instruction after the capturing call.
extern char sigctx_context_setcontext_resumed[];
extern char sigctx_context_swapcontext_resumed[];
extern char sigctx_context_capture_resumed[];
// The makecontext entry of the side context.
void sigctx_context_side_entry();
// A signal handler that resumes the interrupted code with setcontext(its own ucontext).
void sigctx_context_handler_setcontext(int sig, siginfo_t* info, void* ucontext);
// On the resuming thread: getcontext(back); the first return irritates and setcontext(primary)s;
// when the resumed code setcontext(back)s, it returns.
void sigctx_context_resume_here();
}
