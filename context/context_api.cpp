#include "context/context_api.h"

#include <cstddef>

#include "xstate/image.h"

namespace sigctx {

const ContextApi& context_api() {
  static const ContextApi api = [] {
    ContextApi a;
#if defined(__GLIBC__)
    a.getcontext = ::getcontext;
    a.setcontext = ::setcontext;
    a.swapcontext = ::swapcontext;
    a.makecontext = ::makecontext;
#endif
    return a;
  }();
  return api;
}

Availability context_api_available() {
#if defined(__GLIBC__)
  return Availability::yes();
#else
  return Availability::no(
      "this libc has no getcontext, setcontext, swapcontext or makecontext (musl dropped "
      "them: POSIX.1-2008 removed the functions)");
#endif
}

uint64_t* context_gpr(ucontext_t* uc, unsigned gpr) {
#if defined(__GLIBC__)
  static constexpr int kReg[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                   REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                   REG_R12, REG_R13, REG_R14, REG_R15};
  if (gpr >= 16) return nullptr;
  return reinterpret_cast<uint64_t*>(&uc->uc_mcontext.gregs[kReg[gpr]]);
#else
  (void)uc;
  (void)gpr;
  return nullptr;
#endif
}

uint32_t* context_mxcsr(ucontext_t* uc) {
#if defined(__GLIBC__)
  // glibc's setcontext loads MXCSR from the ucontext's own copy (__fpregs_mem), whatever
  // fpregs points at; getcontext stores it there.
  return &uc->__fpregs_mem.mxcsr;
#else
  (void)uc;
  return nullptr;
#endif
}

uint16_t* context_fcw(ucontext_t* uc) {
#if defined(__GLIBC__)
  // fldenv(fpregs): the control word is the first 16 bits in the FNSTENV and FXSAVE layouts.
  return uc->uc_mcontext.fpregs ? &uc->uc_mcontext.fpregs->cwd : nullptr;
#else
  (void)uc;
  return nullptr;
#endif
}

}  // namespace sigctx
