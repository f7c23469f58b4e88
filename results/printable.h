// Text that came from a file or a process sigctx does not control (case ids and reasons in a
// result file, a crashed case's output), made safe to print to a terminal or put in a Markdown
// report: an escape sequence in a hostile file must not reach the reader's terminal.
#pragma once

#include <string>
#include <string_view>

namespace sigctx {

// Every control character but newline and tab (C0, DEL, and C1 as UTF-8) becomes \xNN.
std::string printable(std::string_view text);

}  // namespace sigctx
