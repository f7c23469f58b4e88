// Small pieces every signal-based case engine needs.
#pragma once

#include <cstdint>

#include "xstate/component.h"

namespace sigctx {

// FS and GS base: Linux's frame does not carry them and sigreturn does not restore them, so a
// handler never irritates them.
constexpr ComponentMask kSegmentBases =
    component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase);

// The components of mask that the signal frame carries.
ComponentMask in_signal_frame(ComponentMask mask);

// This thread's GS base (arch_prctl), which hold images put back after reading GS base.
uint64_t current_gsbase();

}  // namespace sigctx
