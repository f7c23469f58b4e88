// JSON text parsed together with the line each value starts on, so that a mistake in a file a
// person wrote (an expectation file, a result file) is reported with the line to fix.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sigctx {

struct JsonDocument {
  std::string name;  // the file's path, as the messages name it
  nlohmann::json value;
  std::map<std::string, int> lines;  // JSON pointer ("/entries/3/expect") -> 1-based line

  // The line of the value at `pointer`, or of its nearest recorded ancestor.
  int line_of(std::string pointer) const;
  // "FILE:LINE: message" for the value at `pointer`.
  std::string error_at(const std::string& pointer, std::string_view message) const;
};

// One reference token of a JSON pointer (RFC 6901): "~" -> "~0", "/" -> "~1".
std::string json_pointer_token(std::string_view key);

// Parses `text`; on a syntax error *error is "NAME:LINE:COLUMN: what", ready to print.
bool parse_json_document(std::string_view text, const std::string& name, JsonDocument* out,
                         std::string* error);
// The largest input read: a result file of every case with --repeat 100 is about 60 MiB, and
// the static guest binary about 11 MiB.
constexpr uint64_t kMaxInputBytes = uint64_t{256} << 20;
// Reads a whole regular file; *error names the file and why it cannot be read (a directory,
// a device or FIFO, more than kMaxInputBytes).
bool read_text_file(const std::string& path, std::string* out, std::string* error);
// Reads and parses a file; an unreadable file is an error naming it.
bool read_json_document(const std::string& path, JsonDocument* out, std::string* error);

}  // namespace sigctx
