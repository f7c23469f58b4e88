// Names the instruction at an address (capstone), for injection points in reports.
#pragma once

#include <cstdint>
#include <string>

namespace sigctx {

// "syscall", "jmp ." ... A branch to itself is shown as ".", so the text does not depend on
// where the binary was loaded. Empty when the bytes do not decode.
std::string disassemble_one(const void* address);

}  // namespace sigctx
