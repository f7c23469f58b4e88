#include "signal/disasm.h"

#include <capstone/capstone.h>

#include <fmt/format.h>

namespace sigctx {

std::string disassemble_one(const void* address) {
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return "";
  cs_insn* insn = nullptr;
  const auto* code = static_cast<const uint8_t*>(address);
  const uint64_t at = reinterpret_cast<uint64_t>(address);
  std::string text;
  if (cs_disasm(handle, code, 16, at, 1, &insn) == 1) {
    const bool to_itself = fmt::format("{:#x}", at) == insn[0].op_str;
    if (insn[0].op_str[0] == '\0')
      text = fmt::format("{}", insn[0].mnemonic);
    else
      text = fmt::format("{} {}", insn[0].mnemonic, to_itself ? "." : insn[0].op_str);
    cs_free(insn, 1);
  }
  cs_close(&handle);
  return text;
}

}  // namespace sigctx
