#include "engine/switch_fault.h"

#include <fmt/format.h>
#include <cstring>

#include "xstate/component_registry.h"

namespace sigctx {

std::string switch_fault_unshowable(const FaultSpec& f, ComponentMask checked, uint16_t skip_gprs,
                                    const Machine& m) {
  if (f.kind == FaultKind::kGuard) return "switch cases use no signal stack";
  const ComponentDescriptor& c = component(f.component);
  if (!(checked & component_bit(f.component)))
    return fmt::format("this case does not check {}", c.name);
  if (f.component == ComponentId::kGpr) {
    if (f.field < 0) return "a GPR fault needs a register name (gpr:r12)";
    const unsigned reg = fields_of(c, m)[static_cast<size_t>(f.field)].reg;
    if (reg == kRsp) return "rsp is the hold's own stack pointer";
    if ((skip_gprs >> reg) & 1)
      return "the transition clobbers it (SYSCALL: rcx and r11; the spin's flag read: rcx)";
  }
  return "";
}

void arm_switch_fault(const FaultSpec& f, const CpuImage& own, const CpuImage& other,
                      ComponentMask loaded, CpuImage& scratch, RoutineList& reload, HoldPlan& plan,
                      const Machine& m) {
  const ComponentDescriptor& c = component(f.component);
  const std::vector<Field>& fields = fields_of(c, m);
  scratch = own;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (f.field >= 0 && static_cast<size_t>(f.field) != i) continue;
    const Field& fl = fields[i];
    if (f.field < 0 && fl.codec == Codec::kDerived) continue;  // FSW, FTW: only by name
    apply_fault_to_field(f.kind, fl, scratch.bytes() + fl.offset, other.bytes() + fl.offset);
  }
  plan.fault_armed = 1;
  if (c.id == ComponentId::kGpr) {
    const unsigned reg = fields[static_cast<size_t>(f.field)].reg;
    plan.fault_slot = reg + 1;
    plan.fault_value = scratch.gpr[reg];
  } else if (c.id == ComponentId::kRflags) {
    plan.fault_slot = PLAN_FAULT_SLOT_RFLAGS;
    plan.fault_value = scratch.rflags;
  } else {
    ComponentMask from_here = 0;
    bool reached = false;
    for (const ComponentDescriptor* d : all_components()) {
      reached |= d->id == c.id;
      if (reached) from_here |= component_bit(d->id);
    }
    reload = loaders_for(m, loaded & from_here);
    plan.fault_slot = 0;
    plan.fault_image = &scratch;
    plan.fault_loaders = reload.data();
  }
}

}  // namespace sigctx
