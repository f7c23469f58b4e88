#include "xstate/disasm.h"

#include <fmt/format.h>

#if SIGCTX_HAVE_ZYDIS
#include <Zydis/Zydis.h>
#else
#include <capstone/capstone.h>
#endif

namespace sigctx {

namespace {

constexpr size_t kMaxInstruction = 15;

std::string raw_bytes(const void* address) {
  const auto* b = static_cast<const uint8_t*>(address);
  return fmt::format("(bytes {:02x} {:02x} {:02x} {:02x} {:02x} {:02x} {:02x} {:02x})", b[0], b[1],
                     b[2], b[3], b[4], b[5], b[6], b[7]);
}

}  // namespace

#if SIGCTX_HAVE_ZYDIS

const char* disassembler_name() {
  return "zydis";
}

Disassembly disassemble(const void* address, uint64_t display_address) {
  ZydisDisassembledInstruction insn;
  if (!ZYAN_SUCCESS(ZydisDisassembleATT(ZYDIS_MACHINE_MODE_LONG_64, display_address, address,
                                        kMaxInstruction, &insn)))
    return {raw_bytes(address), 0};
  return {insn.text, insn.info.length};
}

#else

const char* disassembler_name() {
  return "capstone";
}

Disassembly disassemble(const void* address, uint64_t display_address) {
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return {raw_bytes(address), 0};
  cs_option(handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
  cs_insn* insn = nullptr;
  Disassembly d{raw_bytes(address), 0};
  if (cs_disasm(handle, static_cast<const uint8_t*>(address), kMaxInstruction, display_address, 1,
                &insn) == 1) {
    d.text = insn[0].op_str[0] ? fmt::format("{} {}", insn[0].mnemonic, insn[0].op_str)
                               : std::string(insn[0].mnemonic);
    d.length = insn[0].size;
    cs_free(insn, 1);
  }
  cs_close(&handle);
  return d;
}

#endif

std::string disassemble_one(const void* address) {
  const uint64_t at = reinterpret_cast<uint64_t>(address);
  Disassembly d = disassemble(address, at);
  // A branch to itself: "jmp 0x55d0..." reads as "jmp ." wherever the binary is loaded.
  const std::string self = fmt::format("{:#x}", at);
  const auto pos = d.text.find(self);
  if (pos == std::string::npos) return d.text;
  return fmt::format("{}.{}", d.text.substr(0, pos), d.text.substr(pos + self.size()));
}

}  // namespace sigctx
