// Names the instruction at an address, for injection points in reports: Zydis where the build
// has it (it knows every AVX-512, AMX and PKU instruction), capstone otherwise (the static build:
// Debian ships Zydis only as a shared library), and the raw bytes when neither decodes.
#pragma once

#include <cstdint>
#include <string>

namespace sigctx {

struct Disassembly {
  std::string text;     // AT&T syntax where the decoder offers it; raw bytes when undecoded
  unsigned length = 0;  // 0 when not decoded
};

// Decodes the instruction at `address`, printing branch targets relative to `display_address`
// (pass the offset inside a kernel to get "jne 0x4" for kernel+0x4).
Disassembly disassemble(const void* address, uint64_t display_address);

// "syscall", "jmp ." ... A branch to itself is shown as ".", so the text does not depend on
// where the binary was loaded.
std::string disassemble_one(const void* address);

// Which decoder this build uses ("zydis" or "capstone").
const char* disassembler_name();

}  // namespace sigctx
