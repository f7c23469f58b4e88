#include "signal/case_support.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "signal/hold.h"
#include "xstate/component_registry.h"
#include "xstate/disasm.h"

namespace sigctx {

ComponentMask in_signal_frame(ComponentMask mask) {
  ComponentMask out = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((mask & component_bit(c->id)) && c->in_signal_frame) out |= component_bit(c->id);
  return out;
}

InjectionPoint hold_injection_point(const char* label) {
  InjectionPoint p;
  p.kernel = "sigctx_hold";
  p.offset = static_cast<uint64_t>(label - reinterpret_cast<const char*>(&sigctx_hold));
  p.instruction = disassemble_one(label);
  return p;
}

void set_tgkill_args(CpuImage& img, pid_t pid, pid_t tid, int sig) {
  img.gpr[kRax] = SYS_tgkill;
  img.gpr[kRdi] = static_cast<uint64_t>(pid);
  img.gpr[kRsi] = static_cast<uint64_t>(tid);
  img.gpr[kRdx] = static_cast<uint64_t>(sig);
}

uint64_t current_gsbase() {
  uint64_t gs = 0;
  syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs);
  return gs;
}

}  // namespace sigctx
