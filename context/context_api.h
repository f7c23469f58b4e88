// The libc's user-context API (getcontext, setcontext, swapcontext, makecontext): the one
// OS- and libc-specific part of the context cases (docs/porting.md).
#pragma once

#include <ucontext.h>

#include <cstdint>
#include <string>

#include "xstate/component.h"

namespace sigctx {

struct ContextApi {
  int (*getcontext)(ucontext_t*) = nullptr;
  int (*setcontext)(const ucontext_t*) = nullptr;
  int (*swapcontext)(ucontext_t*, const ucontext_t*) = nullptr;
  void (*makecontext)(ucontext_t*, void (*)(), int, ...) = nullptr;
};

// The API of the libc this binary was linked with: all null where it has none, and then
// context_api_available() says why (musl has no getcontext family).
const ContextApi& context_api();
Availability context_api_available();

// Where a ucontext keeps the registers a fault or an emulation edits, as this libc lays it out.
// Null when the context does not hold the register.
uint64_t* context_gpr(ucontext_t* uc, unsigned gpr);  // Gpr numbering (xstate/image.h)
uint32_t* context_mxcsr(ucontext_t* uc);
uint16_t* context_fcw(ucontext_t* uc);

}  // namespace sigctx
