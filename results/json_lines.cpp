#include "results/json_lines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace sigctx {

namespace {

// Line starts of a text, for turning a byte offset into line and column.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  int line(size_t offset) const {
    return static_cast<int>(std::upper_bound(starts_.begin(), starts_.end(), offset) -
                            starts_.begin());
  }
  int column(size_t offset) const {
    return static_cast<int>(offset - starts_[static_cast<size_t>(line(offset) - 1)]) + 1;
  }

 private:
  std::vector<size_t> starts_;
};

// An input iterator that publishes how far the parser has read: nlohmann's parser callbacks
// carry no position, but each fires right after the parser consumed the value's first token.
class TrackedIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackedIterator(const char* p, const char** cursor) : p_(p), cursor_(cursor) {}
  reference operator*() const { return *p_; }
  TrackedIterator& operator++() {
    *cursor_ = ++p_;
    return *this;
  }
  TrackedIterator operator++(int) {
    TrackedIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackedIterator& o) const { return p_ == o.p_; }
  bool operator!=(const TrackedIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char** cursor_;
};

// No sigctx file nests deeper than a dozen levels. Deeper input is refused as it is parsed:
// 100,000 levels once took 280 s and ended in bad_alloc.
constexpr size_t kMaxDepth = 64;
struct TooDeep {};

// Follows the parser's events to know the JSON pointer of each value, and records its line.
class LineRecorder {
 public:
  LineRecorder(const char* begin, const char** cursor, const LineIndex& index,
               std::map<std::string, int>* lines)
      : begin_(begin), cursor_(cursor), index_(index), lines_(lines) {}

  // A nlohmann parser callback: keeps every value.
  bool operator()(int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (stack_.size() >= kMaxDepth) throw TooDeep{};
        record();
        stack_.push_back({event == Event::array_start, 0, {}});
        break;
      case Event::key:
        stack_.back().key = parsed.get<std::string>();
        break;
      case Event::value:
        record();
        advance();
        break;
      case Event::object_end:
      case Event::array_end:
        stack_.pop_back();
        advance();
        break;
    }
    return true;
  }

 private:
  struct Level {
    bool array;
    size_t index;
    std::string key;
  };

  void advance() {
    if (!stack_.empty() && stack_.back().array) ++stack_.back().index;
  }
  void record() {
    std::string pointer;
    for (const Level& l : stack_) {
      pointer += '/';
      pointer += l.array ? std::to_string(l.index) : json_pointer_token(l.key);
    }
    const size_t consumed = static_cast<size_t>(*cursor_ - begin_);
    (*lines_)[pointer] = index_.line(consumed == 0 ? 0 : consumed - 1);
  }

  const char* begin_;
  const char** cursor_;
  const LineIndex& index_;
  std::map<std::string, int>* lines_;
  std::vector<Level> stack_;
};

}  // namespace

std::string json_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

int JsonDocument::line_of(std::string pointer) const {
  for (;;) {
    if (auto it = lines.find(pointer); it != lines.end()) return it->second;
    if (pointer.empty()) return 1;
    pointer.resize(pointer.rfind('/'));
  }
}

std::string JsonDocument::error_at(const std::string& pointer, std::string_view message) const {
  return fmt::format("{}:{}: {}", name, line_of(pointer), message);
}

bool parse_json_document(std::string_view text, const std::string& name, JsonDocument* out,
                         std::string* error) {
  const LineIndex index(text);
  out->name = name;
  out->lines.clear();
  const char* cursor = text.data();
  auto reject = [&](size_t offset, const std::string& what) {
    *error = fmt::format("{}:{}:{}: not valid JSON: {}", name, index.line(offset),
                         index.column(offset), what);
    return false;
  };
  try {
    // One pass: the callback sees each value as the DOM is built.
    out->value = nlohmann::json::parse(TrackedIterator(text.data(), &cursor),
                                       TrackedIterator(text.data() + text.size(), &cursor),
                                       LineRecorder(text.data(), &cursor, index, &out->lines));
  } catch (const TooDeep&) {
    return reject(static_cast<size_t>(cursor - text.data()) - 1,
                  fmt::format("nested deeper than {} levels", kMaxDepth));
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message starts "[json.exception.parse_error.101] parse error at line 3,
    // column 5: "; keep only what follows, the position is given in the usual form.
    std::string what = e.what();
    if (const size_t colon = what.find(": "); colon != std::string::npos)
      what = what.substr(colon + 2);
    return reject(e.byte == 0 ? 0 : e.byte - 1, what);
  } catch (const nlohmann::json::exception& e) {
    // Valid syntax the parser still refuses, such as a number too large for a double
    // (out_of_range.406; found by tests/fuzz): named at the position it had reached.
    std::string what = e.what();
    if (const size_t bracket = what.find("] "); bracket != std::string::npos)
      what = what.substr(bracket + 2);
    // The lexer has read past the value, to the next token: back to the value's last byte.
    size_t offset = static_cast<size_t>(cursor - text.data());
    while (offset > 0 && std::isspace(static_cast<unsigned char>(text[offset - 1])))
      --offset;
    return reject(offset > 0 ? offset - 1 : 0, what);
  }
  return true;
}

bool read_text_file(const std::string& path, std::string* out, std::string* error) {
  // Non-blocking open: a FIFO nobody writes must not hang the reader; it is refused below.
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    *error = fmt::format("{}: cannot read: {}", path, std::strerror(errno));
    return false;
  }
  struct stat st;
  std::string why;
  if (fstat(fd, &st) != 0)
    why = fmt::format("cannot read: {}", std::strerror(errno));
  else if (S_ISDIR(st.st_mode))
    why = "is a directory";
  else if (!S_ISREG(st.st_mode))
    why = "is not a regular file (a device, FIFO or socket is never an input)";
  else if (static_cast<uint64_t>(st.st_size) > kMaxInputBytes)
    why = fmt::format("is {} bytes, more than the {} MiB an input may have", st.st_size,
                      kMaxInputBytes >> 20);
  std::string text;
  if (why.empty()) {
    text.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) why = fmt::format("read error: {}", std::strerror(errno));
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    text.resize(got);  // a file that shrank while read
  }
  close(fd);
  if (!why.empty()) {
    *error = fmt::format("{}: {}", path, why);
    return false;
  }
  *out = std::move(text);
  return true;
}

bool read_json_document(const std::string& path, JsonDocument* out, std::string* error) {
  std::string text;
  return read_text_file(path, &text, error) && parse_json_document(text, path, out, error);
}

}  // namespace sigctx
