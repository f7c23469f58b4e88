// The component model: one piece of architectural state, with an availability predicate, a
// hand-written load/store pair in assembly, a pattern generator and a list of fields (registers)
// that the diff, the classifier and the signal-frame mapping walk generically.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probes/machine.h"
#include "xstate/image.h"
#include "xstate/pattern.h"

namespace sigctx {

// The assembly ABI of every component routine: rdi = image, rsi = the component's slot in the
// image (ComponentDescriptor::slot_bytes; the image itself for a component with fixed offsets).
// A routine may clobber rax, rcx, rdx, rsi, r8-r11 and the arithmetic flags; it preserves every
// other GPR and all state that belongs to other components. A store routine reads its own state
// before changing anything.
extern "C" {
using AsmRoutine = void (*)(CpuImage*);
}

// One entry of a routine list (sigctx_run_routines): the routine and its slot's offset in the
// image. A list ends with a null routine.
struct ComponentRoutine {
  AsmRoutine fn = nullptr;
  uint64_t slot = 0;
};

struct Availability {
  bool ok = false;
  std::string reason;  // why not, naming the missing CPU or OS feature
  static Availability yes() { return {true, {}}; }
  static Availability no(std::string why) { return {false, std::move(why)}; }
};

// How the values of a field are built and decoded.
enum class Codec : uint8_t {
  kLane64,     // 8-byte lanes, each the full structured pattern value
  kX87Reg,     // 10-byte x87 register; the significand carries the pattern
  kCanonical,  // an 8-byte canonical user address (FS/GS base)
  kNarrow,     // a small register with constrained values (MXCSR, PKRU, RFLAGS, FCW, ...)
  kDerived,    // follows from other fields (FSW, FTW); only equality is meaningful
};

struct Field {
  std::string name;     // architectural register name: "ymm3", "k1", "st0", "mxcsr"
  std::string bits;     // the part of the register this field covers: "[255:128]"; "" = all
  uint16_t offset = 0;  // byte offset in CpuImage
  uint8_t size = 0;     // bytes
  uint8_t lane_bytes = 8;
  uint8_t first_lane = 0;  // architectural 64-bit lane number of the first lane (ymm hi: 2)
  uint8_t reg = 0;         // register number used in the pattern encoding
  uint64_t mask = ~0ull;   // compared bits, for fields of at most 8 bytes
  // Bits a narrow pattern may vary; any combination of them is a valid register value.
  uint64_t pattern_bits = ~0ull;
  Codec codec = Codec::kLane64;
  int32_t xsave_offset = -1;  // offset inside the component's XSAVE region, -1 = not in XSAVE
  uint8_t xsave_size = 0;     // bytes of that XSAVE slot (may exceed size: opmask, FTW)
  unsigned lanes() const { return (size + lane_bytes - 1) / lane_bytes; }
};

// A value a register is given by the OS rather than by anyone's pattern: named as the init
// (default) value when it shows up in place of the expected one.
struct DefaultValue {
  uint64_t value = 0;
  std::string_view source;  // "Linux's default PKRU ..."
};

struct ComponentDescriptor {
  ComponentId id;
  std::string_view name;         // as in case ids: "avx"
  std::string_view description;  // "upper 128 bits of YMM0-15"
  int xsave_index = -1;          // XSAVE state component, -1 when XSAVE does not hold it
  // Loaders run in registration order: a later loader may depend on an earlier one having
  // run (the VEX-encoded AVX loader zeroes bits 511:256, so zmm_hi256 loads after avx).
  Availability (*availability)(const Machine&) = nullptr;
  std::vector<Field> (*fields)(const Machine&) = nullptr;
  AsmRoutine (*loader)(const Machine&) = nullptr;  // nullptr: loaded by the hold driver itself
  AsmRoutine (*storer)(const Machine&) = nullptr;  // nullptr: stored by the hold driver itself
  // Writes the component's part of a pattern into the image.
  void (*fill)(CpuImage&, const Machine&, const PatternSource&, Shape) = nullptr;
  // Writes the component's architectural init state (what XRSTOR with XSTATE_BV clear loads).
  void (*init)(CpuImage&) = nullptr;
  // Whether a field is meaningful for the given expected image (x87 registers above the stack
  // depth are empty and hold nothing to compare).
  bool (*field_applies)(const CpuImage& expected, const Field&) = nullptr;
  // Whether the component's XSTATE_BV bit decides if its XSAVE slots are meaningful. MXCSR is
  // saved whenever SSE or AVX is requested, whatever XSTATE_BV says.
  bool xstate_bv_governs = true;
  // Does the Linux signal frame carry this component? (FS/GS base are not in the frame.)
  bool in_signal_frame = true;
  std::string_view not_in_frame_reason;
  // Makes the component usable in the calling process; nullptr when there is nothing to do. AMX
  // asks Linux for permission (arch_prctl ARCH_REQ_XCOMP_PERM): the permission belongs to the
  // process and fork inherits it. The executor calls it in each case's process, before the case
  // runs, for every available component (handlers load every available component).
  Availability (*prepare)(const Machine&) = nullptr;
  // A new process gets this component in its init state instead of a copy (AMX tile data:
  // Linux's fpu_clone copies only the default, non-dynamic part of the FPU state, so dynamic
  // state is caller-saved across fork, and sigreturn in the child restores only the features
  // its fpstate holds).
  bool init_in_new_process = false;
  // Bytes of the image this component keeps its registers in, when it has no fixed offsets in
  // image_layout.h: the registry gives it a slot in the extension area (image_slot()).
  uint16_t slot_bytes = 0;
  // The register the mutation tests break to prove the checkers see this component: away from
  // register 0, and live in every role's pattern. Empty: the component has no fixed registers
  // (xsave_other follows whatever XSAVE component it is bound to).
  std::string_view representative_register;
  // OS defaults of a narrow register beside its architectural init value (Linux's PKRU).
  std::span<const DefaultValue> defaults;
};

}  // namespace sigctx
