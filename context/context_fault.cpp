#include "context/context_fault.h"

#include <fmt/format.h>

#include "context/context_api.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

constexpr uint16_t kCalleeSaved =
    (1u << kRbx) | (1u << kRbp) | (1u << kR12) | (1u << kR13) | (1u << kR14) | (1u << kR15);

template <typename T>
void edit(T* slot, T leak, uint64_t patterned_bits, FaultKind kind) {
  if (!slot) return;
  switch (kind) {
    case FaultKind::kLeak:
      *slot = leak;
      break;
    case FaultKind::kBitflip:
      *slot = static_cast<T>(*slot ^ (patterned_bits & (~patterned_bits + 1)));
      break;
    case FaultKind::kZero:
      *slot = 0;
      break;
    case FaultKind::kGuard:
      break;
  }
}

}  // namespace

std::string context_fault_unshowable(const FaultSpec& f, ComponentMask checked, const Machine& m) {
  if (f.kind == FaultKind::kGuard) return "context cases use no signal stack";
  const ComponentDescriptor& c = component(f.component);
  if (!(checked & component_bit(f.component)))
    return fmt::format("this case does not check {}", c.name);
  switch (f.component) {
    case ComponentId::kGpr:
      if (f.field >= 0 &&
          !((kCalleeSaved >> fields_of(c, m)[static_cast<size_t>(f.field)].reg) & 1))
        return "a context promises only rbx, rbp and r12-r15 of the GPRs (the callee-saved ones)";
      return "";
    case ComponentId::kMxcsr:
      return "";
    case ComponentId::kX87:
      if (f.field > 0) return "a context holds only the x87 control word (fcw) of the x87 state";
      return "";
    default:
      return fmt::format("a ucontext does not hold {}; the libc leaves it as it is", c.name);
  }
}

void apply_context_fault(const FaultSpec& f, ucontext_t* uc, const CpuImage& irritator,
                         const Machine& m) {
  const ComponentDescriptor& c = component(f.component);
  const std::vector<Field>& fields = fields_of(c, m);
  switch (f.component) {
    case ComponentId::kGpr:
      for (size_t i = 0; i < fields.size(); ++i) {
        const unsigned reg = fields[i].reg;
        if ((f.field >= 0 && static_cast<size_t>(f.field) != i) || !((kCalleeSaved >> reg) & 1))
          continue;
        edit(context_gpr(uc, reg), irritator.gpr[reg], 1ull << 60, f.kind);  // in the magic
      }
      break;
    case ComponentId::kMxcsr:
      edit(context_mxcsr(uc), irritator.mxcsr, fields[0].pattern_bits, f.kind);
      break;
    case ComponentId::kX87:
      edit(context_fcw(uc), irritator.x87_fcw, fields[0].pattern_bits, f.kind);
      break;
    default:
      break;
  }
}

}  // namespace sigctx
