// Reading a sigctx-result/1 file for compare and report: the parse and the schema's required
// members, with any mistake reported as FILE:LINE so the person can find it.
#pragma once

#include <string>
#include <string_view>

#include "results/run_result.h"

namespace sigctx {

// False with *error "FILE:LINE: what is wrong" (or "FILE: why it cannot be read").
bool read_result_file(const std::string& path, RunResult* out, std::string* error);
// The same from text already read; `name` is what the messages call it.
bool read_result_text(std::string_view text, const std::string& name, RunResult* out,
                      std::string* error);

}  // namespace sigctx
