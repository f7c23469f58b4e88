// --emulate BUG: the effect of a catalog bug (runners/bug_catalog.h), applied by the handler of
// a correct kernel as faithfully as user space allows. The catalog thereby doubles as the
// suite's own mutation test: with the emulation the cases that guard against the bug must fail,
// naming its component and class; without it they pass. The effects themselves are in
// emulated_bugs.cpp, one entry per bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/frame.h"
#include "probes/machine.h"
#include "xstate/image.h"

namespace sigctx {

// One delivery, as an emulation hook sees it. Hooks run inside the handler: no allocation.
struct EmulationSite {
  void* ucontext = nullptr;
  SignalFrame* frame = nullptr;  // the live frame (its fpstate may have been detached)
  const Machine* machine = nullptr;
  unsigned level = 1;                       // nesting level of this delivery
  const CpuImage* handler_image = nullptr;  // what the handler loads before returning, if any
  bool asynchronous = false;                // it interrupted code that was not in a system call
};

// One resume of a user context (context/), as an emulation hook sees it: the context about to
// be resumed, and the FS base of the thread that captured it and of the one resuming it.
struct ContextResumeSite {
  void* ucontext = nullptr;
  const Machine* machine = nullptr;
  uint64_t capturing_fsbase = 0;
  uint64_t resuming_fsbase = 0;
};

struct Emulation {
  std::string_view bug;     // catalog id
  std::string_view effect;  // what the handler does, for `explain` and result facts
  // The components whose values it changes (none: it changes what the handler sees).
  ComponentMask touches = 0;
  // Outside any handler, when a case's child activates the emulation.
  void (*prepare)(const Machine& m, uint64_t seed) = nullptr;
  // Before the handler looks at the frame; after it, right before sigreturn. Each returns
  // whether it changed this delivery.
  bool (*on_entry)(EmulationSite& s) = nullptr;
  bool (*on_return)(EmulationSite& s) = nullptr;
  // Bytes below ss_sp that the emulated kernel lets a frame run into: sigaltstack() is given
  // the stack extended that far down, so a frame too large for it is written below it instead
  // of being refused with SIGSEGV (linux-altstack-overflow).
  size_t altstack_overrun = 0;
  // Right before a context case resumes a context (setcontext, swapcontext), after the code
  // between capture and resume ran; returns whether it changed this resume.
  bool (*on_context_resume)(ContextResumeSite& s) = nullptr;
  // Context switches (switch/, process/): asm routines the hold calls around each system call
  // or spin iteration, which must preserve every register and flag (hold.h), and whether they
  // can run on this machine.
  const void* switch_hook_before = nullptr;
  const void* switch_hook_after = nullptr;
  bool (*switch_usable)(const Machine& m) = nullptr;
  // A tracer's PTRACE_SETREGSET NT_X86_XSTATE buffer (ptrace/), right before the system call;
  // returns whether it changed the buffer.
  bool (*on_ptrace_xstate_write)(const Machine& m, uint8_t* area, size_t len) = nullptr;
  // A core file's NT_X86_XSTATE note as the core case read it (core/), and whether the crashing
  // task slept (was switched out) between loading its pattern and the dump; returns whether it
  // changed the note.
  bool (*on_core_xstate_note)(const Machine& m, uint8_t* note, size_t len,
                              bool slept_after_load) = nullptr;
  // Why the bug has no emulation, for `explain`, when every hook is empty.
  std::string_view not_emulated;
};

std::span<const Emulation> emulations();
const Emulation* find_emulation(std::string_view bug);

// Activates an emulation (nullptr: none) in this process, a case's child.
void activate_emulation(const Emulation* e, const Machine& m, uint64_t seed);
const Emulation* active_emulation();
// Deliveries the active emulation changed since activation, in this process and in the
// processes it forked since (the count lives in shared memory).
uint64_t emulation_applications();
// Counts changes the emulation made outside its hooks (a sigaltstack it extended, a process it
// is about to end).
void note_emulation_applications(uint64_t n);

// The handler's two hook points; no-ops without an active emulation.
void emulate_on_entry(EmulationSite& s);
void emulate_on_return(EmulationSite& s);
void emulate_on_context_resume(ContextResumeSite& s);
void emulate_on_ptrace_xstate_write(const Machine& m, uint8_t* area, size_t len);
void emulate_on_core_xstate_note(const Machine& m, uint8_t* note, size_t len,
                                 bool slept_after_load);

}  // namespace sigctx

extern "C" {
// For the switch hooks (emulated_switch_hooks.S): the shared count of applied effects, and the
// shared area where units publish what they hold.
extern uint64_t* sigctx_emulation_counter;
extern void* sigctx_emulation_switch_area;
void sigctx_emulate_nullsel_before();
void sigctx_emulate_nullsel_after();
void sigctx_emulate_lazyfp_before();
void sigctx_emulate_lazyfp_after();
void sigctx_emulate_zenbleed_before();
void sigctx_emulate_zenbleed_after();
}
