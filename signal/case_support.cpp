#include "signal/case_support.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "xstate/component_registry.h"

namespace sigctx {

ComponentMask in_signal_frame(ComponentMask mask) {
  ComponentMask out = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((mask & component_bit(c->id)) && c->in_signal_frame) out |= component_bit(c->id);
  return out;
}

uint64_t current_gsbase() {
  uint64_t gs = 0;
  syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs);
  return gs;
}

}  // namespace sigctx
