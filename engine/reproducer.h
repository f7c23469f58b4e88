// sigctx reproduce: one case as a self-contained C program, for a maintainer who will not build
// the suite (syzkaller's C reproducers are the model). The program is assembled from:
//   - a header the emitter writes: the case, the seed, the register table derived from the
//     component descriptors, the fault define;
//   - the shared prelude (reproducer_prelude.cpp): patterns, comparison, classification, the
//     assembly that holds the state across the transition;
//   - the family's driver and the transition's hooks, which each family supplies through its
//     cases' descriptors (CaseDescriptor::reproducer), so a new transition brings its own.
// It builds with `cc -O2 FILE.c` and exits 0 when the platform conforms, 1 when it deviates, 77
// when the CPU or OS lacks a checked component, 2 when it cannot set itself up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/fault.h"
#include "probes/machine.h"
#include "xstate/pattern.h"

namespace sigctx {

// A transition's C text: macros the family's driver reads (emitted before it) and the hook
// functions it calls (after it).
struct ReproducerHooks {
  const char* macros = nullptr;
  const char* code = nullptr;
};

// What a case contributes to its reproducer.
struct ReproducerPlan {
  // Non-empty: the case cannot be made standalone, and this says why.
  std::string unsupported;
  // C text: the family's driver, which defines `static int run_case(void)` (0 conforms, 1
  // deviates, 2 set-up failed), and the transition's macros and hooks around it.
  std::string macros;
  std::string driver;
  std::string hooks;
  // One line for the program's opening comment: what it does.
  std::string what;
  ComponentMask checked = 0;    // the components compared; 0: every one the program has
  bool available_only = false;  // compare those of `checked` the CPU has, rather than skip
  // The components the case loads its shape into; another shape than lanes is unsupported.
  Shape shape = Shape::kLanes;
  unsigned iterations = 8;
  // The emulation hooks the driver calls (EMULATE_ON_ENTRY, EMULATE_ON_RETURN,
  // EMULATE_AFTER_SWITCH, EMULATE_CORE_NOTE: engine/emulated_bugs_c.cpp), space-separated.
  std::string emulation_points;
  // Set by `sigctx reproduce --emulate BUG`: the bug and its C, compiled in behind
  // -DSIGCTX_EMULATE.
  std::string emulated_bug;
  std::string emulation_code;
};

// A catalog bug's effect in the reproducers' C, or nullptr with *why_not set.
const char* emulation_in_c(std::string_view bug, std::string* why_not);

// The C prelude every reproducer shares, and helpers the emitter adds where a driver, its hooks
// or an emulation calls them.
extern const char* const kReproducerPrelude;
extern const char* const kReproducerPutRole;        // put_role()
extern const char* const kReproducerUserRegs;       // user_reg_of[]
extern const char* const kReproducerCopyComponent;  // copy_component()

// Components no reproducer can hold: why not (empty when it can).
std::string reproducer_component_gap(ComponentMask checked);

// The whole program. `command` is the sigctx command line that wrote it and `file_name` the
// file it goes to, for its comment; a
// fault (`--inject-fault`) is compiled in behind -DSIGCTX_INJECT_FAULT, and without one the
// define applies the first checked component's representative register leak. On error (a
// fault on a register the program does not hold) returns "" and sets *error.
std::string emit_reproducer(const std::string& case_id, const ReproducerPlan& plan, uint64_t seed,
                            const FaultSpec& fault, const Machine& m, const std::string& command,
                            const std::string& file_name, std::string* error);

// The command that writes a case's reproducer, as reports print it.
std::string reproduce_command(const std::string& case_id, uint64_t seed);

}  // namespace sigctx
