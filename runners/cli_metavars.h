// The names option values go by: `--cases CASE`, `--json FILE`. --help shows them, the man page
// (docs/sigctx.1) repeats them, and the completion scripts (runners/completion.cpp) choose what
// to offer by them, so a value's name is also the decision of how to complete it.
#pragma once

namespace sigctx::metavar {

inline constexpr const char* kCase = "CASE";           // a case id or glob: the registry's ids
inline constexpr const char* kBug = "BUG";             // a catalog bug id
inline constexpr const char* kBugOrCase = "BUG|CASE";  // explain's argument
inline constexpr const char* kFault = "FAULT";         // COMPONENT[:REGISTER[:KIND]] or guard
inline constexpr const char* kInjector = "INJECTOR";   // step, hwbp, int3, async
inline constexpr const char* kProfile = "PROFILE";     // runners/profiles.h
inline constexpr const char* kEmulator = "EMULATOR";   // qemu, bochs, uml
inline constexpr const char* kKernel = "KERNEL";       // an image file, debian:SERIES or uml
inline constexpr const char* kShell = "SHELL";         // bash or zsh
inline constexpr const char* kFile = "FILE";
inline constexpr const char* kDir = "DIR";
// Values nothing can list in advance: completion offers nothing for them.
inline constexpr const char* kSeed = "SEED";
inline constexpr const char* kAccel = "ACCEL";      // QEMU accelerators, kvm:tcg
inline constexpr const char* kCpuModel = "MODEL";   // a QEMU or bochs CPU model
inline constexpr const char* kKernelArgs = "ARGS";  // kernel command-line options
inline constexpr const char* kList = "LIST";  // comma-separated kernels, models or option sets

}  // namespace sigctx::metavar
