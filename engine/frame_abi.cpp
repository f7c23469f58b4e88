#include "engine/frame_abi.h"

#include <fmt/format.h>
#include <cstring>

#include "xstate/component_registry.h"

namespace sigctx {

namespace {
std::string hex(uint64_t v) {
  return fmt::format("{:#x}", v);
}
}  // namespace

uint64_t expected_frame_xfeatures(const Machine& m) {
  uint64_t dynamic_denied = 0;
  for (unsigned i = 2; i < 63; ++i)
    if (m.xsave.has(i) && m.xsave.component(i).xfd && !((m.xcomp_perm >> i) & 1))
      dynamic_denied |= 1ull << i;
  return m.xcr0 & ~dynamic_denied;
}

std::vector<Finding> check_frame_abi(const SignalFrame& f, const Machine& m,
                                     const FrameExpectations& e) {
  std::vector<Finding> out;
  auto add = [&](std::string check, std::string message, std::string expected, std::string actual) {
    out.push_back({std::move(check), std::move(message), std::move(expected), std::move(actual)});
  };

  if (e.rip && f.rip() != e.rip)
    add("frame.rip", "the frame's rip is not the interrupted instruction", hex(e.rip),
        hex(f.rip()));
  if (!f.has_fpstate()) {
    add("frame.fpregs", "uc_mcontext.fpregs is NULL: the frame carries no FPU state", "non-NULL",
        "NULL");
    return out;
  }
  // XRSTOR needs a 64-byte aligned area, FXRSTOR a 16-byte aligned one; a frame without magic1
  // (an FXSAVE-only CPU, QEMU's Nehalem, valgrind) only promises the FXSAVE area.
  const bool xsave_frame = m.features.osxsave && m.xcr0 != 0 && f.magic1() == kFpXstateMagic1;
  if (const unsigned align = xsave_frame ? 64 : 16; f.fpstate_address() % align)
    add("frame.fpstate_alignment",
        fmt::format("the {} area is not {}-byte aligned ({} would fault)",
                    xsave_frame ? "XSAVE" : "FXSAVE", align, xsave_frame ? "XRSTOR" : "FXRSTOR"),
        fmt::format("0 mod {}", align),
        fmt::format("{} mod {}", f.fpstate_address() % align, align));
  if (!m.features.osxsave || m.xcr0 == 0) return out;  // FXSAVE-only machine: nothing more

  if (f.magic1() != kFpXstateMagic1) {
    add("frame.magic1",
        "no FP_XSTATE_MAGIC1 in the software-reserved bytes: the frame holds only the FXSAVE "
        "legacy area, so AVX and later state cannot be saved or edited",
        hex(kFpXstateMagic1), hex(f.magic1()));
    return out;
  }
  const uint64_t xfeatures = f.xfeatures();
  const uint64_t want = expected_frame_xfeatures(m);
  if (xfeatures != want)
    add("frame.xfeatures",
        "xfeatures differs from XCR0 restricted to the task's permitted features", hex(want),
        hex(xfeatures));
  const uint32_t want_size = m.xsave.standard_size(xfeatures);
  if (f.xstate_size() != want_size)
    add("frame.xstate_size", "xstate_size is not the standard-format size of xfeatures",
        std::to_string(want_size), std::to_string(f.xstate_size()));
  if (f.extended_size() != f.xstate_size() + 4)
    add("frame.extended_size", "extended_size must be xstate_size plus the 4 bytes of magic2",
        std::to_string(f.xstate_size() + 4), std::to_string(f.extended_size()));
  if (f.magic2() != kFpXstateMagic2)
    add("frame.magic2", "FP_XSTATE_MAGIC2 missing right after xstate_size bytes",
        hex(kFpXstateMagic2), hex(f.magic2()));
  const uint64_t bv = f.xstate_bv();
  if (bv & ~xfeatures)
    add("frame.xstate_bv", "XSTATE_BV has bits outside xfeatures", "subset of " + hex(xfeatures),
        hex(bv));
  if (f.xcomp_bv() != 0)
    add("frame.xcomp_bv", "a user signal frame must use the standard format (XCOMP_BV = 0)", "0x0",
        hex(f.xcomp_bv()));
  if (const uint8_t* reserved = f.header_reserved()) {
    static const uint8_t kZero[48] = {};
    if (std::memcmp(reserved, kZero, 48) != 0)
      add("frame.header_reserved", "XSAVE header bytes 16-63 must be zero", "all zero", "non-zero");
  }
  if (e.values) {
    for (const ComponentDescriptor* c : all_components()) {
      if (!(e.held & component_bit(c->id)) || c->xsave_index < 0 || !c->xstate_bv_governs) continue;
      if ((bv >> c->xsave_index) & 1) continue;
      // XSTATE_BV clear means "init": fine only if the interrupted code held init values.
      auto init = std::make_unique<CpuImage>();
      std::memcpy(init.get(), e.values, sizeof(CpuImage));
      c->init(*init);
      bool held_init = true;
      for (const Field& fl : fields_of(*c, m))
        if (c->field_applies(*e.values, fl) &&
            std::memcmp(init->bytes() + fl.offset, e.values->bytes() + fl.offset, fl.size) != 0)
          held_init = false;
      if (!held_init)
        add(fmt::format("frame.xstate_bv.{}", c->name),
            fmt::format("XSTATE_BV bit {} is clear, so sigreturn would load {} as init, but the "
                        "interrupted code held non-init values",
                        c->xsave_index, c->name),
            fmt::format("bit {} set", c->xsave_index), hex(bv));
    }
  }
  return out;
}

}  // namespace sigctx
