// Linux x86-64 signal frame layout: ucontext_t.uc_mcontext.gregs (REG_* order) and
// uc_mcontext.fpregs pointing at an FXSAVE legacy area whose bytes 464..511 carry
// struct _fpx_sw_bytes; with magic1 present, an XSAVE header and the standard-format extended
// components follow, and magic2 sits right after xstate_size bytes.
#include <signal.h>
#include <ucontext.h>

#include <algorithm>
#include <cstring>

#include "engine/frame.h"
#include "xstate/component_registry.h"

namespace sigctx {

namespace {

// Hardware register number -> index in uc_mcontext.gregs.
constexpr int kGregIndex[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                REG_R12, REG_R13, REG_R14, REG_R15};

uint32_t read32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t read64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Bytes of fpstate a frame claims: the legacy area, or xstate_size plus magic2.
size_t claimed_fpstate_len(const uint8_t* fp) {
  const uint32_t magic1 = read32(fp + kSwReservedOffset);
  const uint32_t xstate_size = read32(fp + kSwReservedOffset + 16);
  if (magic1 != kFpXstateMagic1 || xstate_size < 576) return 512;
  return static_cast<size_t>(xstate_size) + 4;
}

}  // namespace

SignalFrame SignalFrame::live(void* ucontext) {
  auto* uc = static_cast<ucontext_t*>(ucontext);
  SignalFrame f;
  f.gregs_ = reinterpret_cast<uint64_t*>(uc->uc_mcontext.gregs);
  f.fpstate_ = reinterpret_cast<uint8_t*>(uc->uc_mcontext.fpregs);
  f.fpstate_address_ = reinterpret_cast<uint64_t>(f.fpstate_);
  if (f.fpstate_) f.fpstate_len_ = claimed_fpstate_len(f.fpstate_);
  return f;
}

SignalFrame SignalFrame::of(FrameSnapshot& s) {
  SignalFrame f;
  f.gregs_ = s.gregs;
  f.fpstate_ = s.fpstate_address ? s.fpstate : nullptr;
  f.fpstate_len_ = s.fpstate_len;
  f.fpstate_address_ = s.fpstate_address;
  return f;
}

SignalFrame SignalFrame::over(uint64_t* gregs, uint8_t* fpstate, size_t len, uint64_t address) {
  SignalFrame f;
  f.gregs_ = gregs;
  f.fpstate_ = address ? fpstate : nullptr;
  f.fpstate_len_ = len;
  f.fpstate_address_ = address;
  return f;
}

void capture_frame(void* ucontext, FrameSnapshot* out) {
  auto* uc = static_cast<ucontext_t*>(ucontext);
  out->captured = true;
  out->ucontext_address = reinterpret_cast<uint64_t>(uc);
  std::memcpy(out->gregs, uc->uc_mcontext.gregs, sizeof(out->gregs));
  const auto* fp = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.fpregs);
  out->fpstate_address = reinterpret_cast<uint64_t>(fp);
  out->fpstate_len = 0;
  out->truncated = false;
  if (!fp) return;
  size_t len = claimed_fpstate_len(fp);
  if (len > kMaxFpstateBytes) {
    len = kMaxFpstateBytes;
    out->truncated = true;
  }
  std::memcpy(out->fpstate, fp, len);
  out->fpstate_len = len;
}

void* detach_fpstate(void* ucontext) {
  auto* uc = static_cast<ucontext_t*>(ucontext);
  void* fp = uc->uc_mcontext.fpregs;
  uc->uc_mcontext.fpregs = nullptr;
  return fp;
}

void attach_fpstate(void* ucontext, void* fpstate) {
  static_cast<ucontext_t*>(ucontext)->uc_mcontext.fpregs = static_cast<fpregset_t>(fpstate);
}

uint32_t SignalFrame::magic1() const {
  return fpstate_ ? read32(fpstate_ + kSwReservedOffset) : 0;
}
uint32_t SignalFrame::extended_size() const {
  return fpstate_ ? read32(fpstate_ + kSwReservedOffset + 4) : 0;
}
uint64_t SignalFrame::xfeatures() const {
  return fpstate_ ? read64(fpstate_ + kSwReservedOffset + 8) : 0;
}
uint32_t SignalFrame::xstate_size() const {
  return fpstate_ ? read32(fpstate_ + kSwReservedOffset + 16) : 0;
}
bool SignalFrame::has_xstate() const {
  return fpstate_ && magic1() == kFpXstateMagic1 && xstate_size() >= 576 &&
         xstate_size() + 4 <= fpstate_len_;
}
uint32_t SignalFrame::magic2() const {
  if (!fpstate_ || magic1() != kFpXstateMagic1) return 0;
  const size_t at = xstate_size();
  return at + 4 <= fpstate_len_ ? read32(fpstate_ + at) : 0;
}
uint64_t SignalFrame::xstate_bv() const {
  return fpstate_len_ >= 576 ? read64(fpstate_ + kXsaveHeaderOffset) : 0;
}
uint64_t SignalFrame::xcomp_bv() const {
  return fpstate_len_ >= 576 ? read64(fpstate_ + kXsaveHeaderOffset + 8) : 0;
}
void SignalFrame::set_xstate_bv(uint64_t v) {
  if (fpstate_len_ >= 576) std::memcpy(fpstate_ + kXsaveHeaderOffset, &v, 8);
}
const uint8_t* SignalFrame::header_reserved() const {
  return fpstate_len_ >= 576 ? fpstate_ + kXsaveHeaderOffset + 16 : nullptr;
}

uint64_t SignalFrame::gpr(unsigned hw) const {
  return gregs_[kGregIndex[hw]];
}
void SignalFrame::set_gpr(unsigned hw, uint64_t v) {
  gregs_[kGregIndex[hw]] = v;
}
uint64_t SignalFrame::rflags() const {
  return gregs_[REG_EFL];
}
void SignalFrame::set_rflags(uint64_t v) {
  gregs_[REG_EFL] = v;
}
uint64_t SignalFrame::rip() const {
  return gregs_[REG_RIP];
}
void SignalFrame::set_rip(uint64_t v) {
  gregs_[REG_RIP] = v;
}

XsaveArea SignalFrame::area() const {
  return XsaveArea(fpstate_, has_xstate() ? xstate_size() : std::min(fpstate_len_, kFxsaveBytes),
                   has_xstate());
}

uint8_t* SignalFrame::slot(const ComponentDescriptor& c, const Field& f,
                           const XsaveLayout& layout) const {
  return fpstate_ ? area().slot(c, f, layout) : nullptr;
}

bool SignalFrame::read(const ComponentDescriptor& c, const Machine& m, CpuImage& out,
                       std::string* why) const {
  if (c.id == ComponentId::kGpr) {
    for (unsigned r = 0; r < 16; ++r)
      out.gpr[r] = gpr(r);
    return true;
  }
  if (c.id == ComponentId::kRflags) {
    out.rflags = rflags();
    return true;
  }
  if (!c.in_signal_frame) {
    if (why) *why = std::string(c.not_in_frame_reason);
    return false;
  }
  if (!fpstate_) {
    if (why) *why = "the frame has no FPU state (uc_mcontext.fpregs is NULL)";
    return false;
  }
  if (c.xsave_index >= 2 && !has_xstate()) {
    if (why) *why = "the frame holds only the FXSAVE legacy area (no FP_XSTATE_MAGIC1)";
    return false;
  }
  return area().read(c, m, out, why);
}

bool SignalFrame::write(const ComponentDescriptor& c, const Machine& m, const CpuImage& in) {
  if (c.id == ComponentId::kGpr) {
    for (unsigned r = 0; r < 16; ++r)
      if (r != kRsp) set_gpr(r, in.gpr[r]);
    return true;
  }
  if (c.id == ComponentId::kRflags) {
    const uint64_t mask = fields_of(c, m).front().mask;
    set_rflags((rflags() & ~mask) | (in.rflags & mask));
    return true;
  }
  if (!c.in_signal_frame || !fpstate_) return false;
  return area().write(c, m, in);
}

}  // namespace sigctx
