// fsbase: the FS segment base. Linux keeps it across signals without putting it in the
// frame: a handler's write persists after sigreturn, so the irritating handler leaves it alone
// and the case checks that neither delivery nor return changes it. For FS, glibc keeps the thread
// pointer there, so the handler entry switches to the real TLS base to run compiled code and
// switches back before returning.
#include "xstate/components/common.h"
#include "xstate/components/components.h"

extern "C" void sigctx_fsbase_load_insn(sigctx::CpuImage*);
extern "C" void sigctx_fsbase_store_insn(sigctx::CpuImage*);
extern "C" void sigctx_fsbase_load_syscall(sigctx::CpuImage*);
extern "C" void sigctx_fsbase_store_syscall(sigctx::CpuImage*);

namespace sigctx {
namespace {

Availability available(const Machine&) {
  return Availability::yes();
}

std::vector<Field> fields(const Machine&) {
  Field f;
  f.name = "fsbase";
  f.offset = IMG_FSBASE;
  f.size = 8;
  f.codec = Codec::kCanonical;
  return {f};
}

void fill(CpuImage& img, const Machine& m, const PatternSource& src, Shape shape) {
  fill_structured_fields(img, fields(m), ComponentId::kFsbase, src,
                         shape == Shape::kZero ? Shape::kZero : Shape::kLanes);
}

void init(CpuImage& img) {
  img.fsbase = 0;
}

AsmRoutine loader(const Machine& m) {
  return m.fsgsbase_instructions() ? sigctx_fsbase_load_insn : sigctx_fsbase_load_syscall;
}
AsmRoutine storer(const Machine& m) {
  return m.fsgsbase_instructions() ? sigctx_fsbase_store_insn : sigctx_fsbase_store_syscall;
}

}  // namespace

const ComponentDescriptor kFsbaseComponent = {
    .id = ComponentId::kFsbase,
    .name = "fsbase",
    .description = "FS base (WRFSBASE, or arch_prctl without FSGSBASE)",
    .xsave_index = -1,
    .availability = available,
    .fields = fields,
    .loader = loader,
    .storer = storer,
    .fill = fill,
    .init = init,
    .field_applies = always_applies,
    .in_signal_frame = false,
    .not_in_frame_reason = "the Linux signal frame does not carry FS base",
    .representative_register = "fsbase",
};

}  // namespace sigctx
