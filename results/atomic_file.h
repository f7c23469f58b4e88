// Result files are written atomically: a temporary file in the same directory, then rename.
// A reader never sees a half-written file, and a crash leaves the old file intact.
#pragma once

#include <string>

namespace sigctx {

bool write_file_atomically(const std::string& path, const std::string& content, std::string* error);
// Checks early that path's directory accepts a new file, so a bad --json path fails before a
// long run rather than after it.
bool check_writable(const std::string& path, std::string* error);

}  // namespace sigctx
