// Dirty routines: hand-written routines that keep state live and moving through many
// instructions, so that corruption at any instruction boundary changes their final result. The
// injectors (signal/) fire a transition at their boundaries; the oracle is the same routine run
// without injection. Conventions for writing one are in routine_asm.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probes/machine.h"
#include "xstate/component.h"

namespace sigctx {

struct DirtyRoutine {
  std::string_view name;           // "memclr"; case ids are signal/<injector>/<name>
  std::string_view description;    // what it does and which bug shape it models
  const char* entry = nullptr;     // first instruction
  const char* code_end = nullptr;  // end of its instructions
  const char* end = nullptr;       // end of its bytes
  ComponentMask uses = 0;          // components it transforms (all available ones are checked)
  // What the CPU and OS must offer beyond the components it uses; null = nothing more.
  Availability (*extra_requirement)(const Machine&) = nullptr;
  size_t buffer_bytes = 0;  // memory it clears through rdi (rcx = size), 0 = none
  // A register the routine never reads or writes: the frame-edit transition edits it at one
  // boundary and checks at the next that the edit took effect.
  ComponentId edit_component = ComponentId::kGpr;
  std::string_view edit_register;
};

// The symbols SIGCTX_ROUTINE, SIGCTX_ROUTINE_CODE_END and SIGCTX_ROUTINE_END (routine_asm.h)
// define, and the three DirtyRoutine fields they fill.
#define SIGCTX_DECLARE_KERNEL(name)                   \
  extern "C" char sigctx_routine_##name[];            \
  extern "C" char sigctx_routine_##name##_code_end[]; \
  extern "C" char sigctx_routine_##name##_end[];
#define SIGCTX_ROUTINE_CODE(name) \
  sigctx_routine_##name, sigctx_routine_##name##_code_end, sigctx_routine_##name##_end

std::span<const DirtyRoutine* const> all_routines();
const DirtyRoutine* find_routine(std::string_view name);
Availability routine_available(const DirtyRoutine& k, const Machine& m);

// The instruction at an offset inside a routine, branch targets as offsets ("jne 0x4").
std::string routine_instruction_text(const DirtyRoutine& k, uint32_t offset);

}  // namespace sigctx
