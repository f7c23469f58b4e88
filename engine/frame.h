// The signal frame as a handler sees it: general registers, and the FXSAVE/XSAVE image that
// uc_mcontext.fpregs points at. This is the OS-specific part of signal handling; the Linux
// x86-64 layout lives in linux_frame.cpp (see docs/porting.md for other systems).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "probes/machine.h"
#include "xstate/component.h"
#include "xstate/xsave_area.h"

namespace sigctx {

// Linux's software-reserved bytes at the end of the FXSAVE legacy area (bytes 464..511).
constexpr uint32_t kFpXstateMagic1 = 0x46505853;  // "FPXS"
constexpr uint32_t kFpXstateMagic2 = 0x46505845;  // "FPXE", right after xstate_size bytes
constexpr size_t kSwReservedOffset = 464;
constexpr size_t kMaxFpstateBytes = 64 * 1024;

// A copy of a frame, taken inside a handler (async-signal-safe: memcpy only) and analysed
// later in ordinary code.
struct FrameSnapshot {
  bool captured = false;
  uint64_t ucontext_address = 0;
  uint64_t fpstate_address = 0;  // 0 when uc_mcontext.fpregs is NULL
  size_t fpstate_len = 0;        // bytes copied
  bool truncated = false;        // xstate_size claimed more than kMaxFpstateBytes
  uint64_t gregs[23] = {};
  alignas(64) uint8_t fpstate[kMaxFpstateBytes];
};

class SignalFrame {
 public:
  // A view of a live frame, inside a handler. Writes go to the real frame.
  static SignalFrame live(void* ucontext);
  // A view of a snapshot; writes go to the copy.
  static SignalFrame of(FrameSnapshot& snapshot);
  // A view of raw parts: 23 Linux gregs and an fpstate copy of `len` valid bytes that lived at
  // `address`.
  static SignalFrame over(uint64_t* gregs, uint8_t* fpstate, size_t len, uint64_t address);

  bool has_fpstate() const { return fpstate_ != nullptr; }
  uint64_t fpstate_address() const { return fpstate_address_; }
  // Linux marks an XSAVE frame with magic1 in the software-reserved bytes.
  uint32_t magic1() const;
  uint32_t extended_size() const;
  uint64_t xfeatures() const;
  uint32_t xstate_size() const;
  bool has_xstate() const;  // magic1 matches and xstate_size fits the available bytes
  // magic2, or 0 when it lies outside the bytes available.
  uint32_t magic2() const;
  uint64_t xstate_bv() const;
  uint64_t xcomp_bv() const;
  void set_xstate_bv(uint64_t v);
  const uint8_t* header_reserved() const;  // 48 bytes after XSTATE_BV and XCOMP_BV
  size_t fpstate_len() const { return fpstate_len_; }
  // The raw parts, for recording and comparing whole frames.
  uint64_t* raw_gregs() const { return gregs_; }
  uint8_t* raw_fpstate() const { return fpstate_; }

  uint64_t gpr(unsigned hw_index) const;  // hardware order: rax rcx rdx rbx rsp rbp rsi rdi r8..
  void set_gpr(unsigned hw_index, uint64_t v);
  uint64_t rflags() const;
  void set_rflags(uint64_t v);
  uint64_t rip() const;
  void set_rip(uint64_t v);

  // Where a field of a component lives in this frame, or nullptr (FS/GS base; extended
  // components of an FXSAVE-only frame; a slot beyond the bytes available).
  uint8_t* slot(const ComponentDescriptor& c, const Field& f, const XsaveLayout& layout) const;

  // Reads a component into `out`. A component whose XSTATE_BV bit is clear reads as its init
  // values, as XRSTOR would load it. Returns false with *why set when the frame lacks it.
  bool read(const ComponentDescriptor& c, const Machine& m, CpuImage& out, std::string* why) const;
  // Writes a component from `in` and sets its XSTATE_BV bit so sigreturn restores it.
  bool write(const ComponentDescriptor& c, const Machine& m, const CpuImage& in);

 private:
  // The fpstate as an XSAVE area: the extended part only when magic1 says it is there.
  XsaveArea area() const;

  uint64_t* gregs_ = nullptr;
  uint8_t* fpstate_ = nullptr;
  size_t fpstate_len_ = 0;
  uint64_t fpstate_address_ = 0;
};

// Copies the frame of a live handler into *out. Async-signal-safe.
void capture_frame(void* ucontext, FrameSnapshot* out);

// Takes the FPU state out of a live frame (uc_mcontext.fpregs = NULL, so the handler sees a
// frame without it) and returns where it was; attach_fpstate puts it back before sigreturn.
void* detach_fpstate(void* ucontext);
void attach_fpstate(void* ucontext, void* fpstate);

}  // namespace sigctx
