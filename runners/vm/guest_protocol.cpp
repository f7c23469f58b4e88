#include "runners/vm/guest_protocol.h"

#include <fmt/format.h>
#include <cstdint>
#include <cstdlib>

namespace sigctx {

namespace {

constexpr std::string_view kFrameHead = "sigctx-vm-result ";
constexpr std::string_view kFrameTail = "\nsigctx-vm-result-end\n";

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

std::string guest_expect_path(size_t i) {
  return fmt::format("{}/{}.json", kGuestExpectDir, i);
}

std::string frame_result(std::string_view json) {
  return fmt::format("{}{} {:016x}\n{}{}", kFrameHead, json.size(), fnv1a64(json), json,
                     kFrameTail);
}

bool unframe_result(std::string_view channel, std::string* json, std::string* error) {
  const size_t head = channel.find(kFrameHead);
  if (head == std::string_view::npos) {
    *error = "the guest sent no result";
    return false;
  }
  const size_t eol = channel.find('\n', head);
  if (eol == std::string_view::npos) {
    *error = "the result's header is cut short";
    return false;
  }
  const std::string header(
      channel.substr(head + kFrameHead.size(), eol - head - kFrameHead.size()));
  char* end = nullptr;
  const unsigned long long size = std::strtoull(header.c_str(), &end, 10);
  const unsigned long long sum = std::strtoull(end, &end, 16);
  if (*end != '\0') {
    *error = fmt::format("the result's header '{}' is garbled", header);
    return false;
  }
  if (channel.size() - eol - 1 < size + kFrameTail.size()) {
    *error = fmt::format("the result is cut short: {} of {} bytes arrived",
                         channel.size() - eol - 1, size);
    return false;
  }
  const std::string_view body = channel.substr(eol + 1, size);
  if (fnv1a64(body) != sum || channel.substr(eol + 1 + size, kFrameTail.size()) != kFrameTail) {
    *error = "the result arrived garbled (its checksum or end marker does not match)";
    return false;
  }
  *json = std::string(body);
  return true;
}

ConsoleReading read_console(std::string_view console) {
  ConsoleReading r;
  size_t pos = 0;
  while (pos < console.size()) {
    size_t eol = console.find('\n', pos);
    if (eol == std::string_view::npos) eol = console.size();
    std::string_view line = console.substr(pos, eol - pos);
    pos = eol + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.remove_suffix(1);
    // A kernel line may carry a "[   12.345678] " timestamp.
    std::string_view text = line;
    if (text.size() > 2 && text[0] == '[') {
      const size_t close = text.find("] ");
      if (close != std::string_view::npos) text.remove_prefix(close + 2);
    }
    if (text.rfind("qemu-system-x86_64: ", 0) == 0) {
      if (text.rfind(kQemuWarningPrefix, 0) != 0) r.emulator_errors.emplace_back(text);
    } else if (text.rfind(kGuestStartedLine, 0) == 0) {
      r.started = true;
    } else if (text.rfind(kGuestDoneLine, 0) == 0) {
      r.done = true;
      r.exit_status = std::atoi(std::string(text.substr(kGuestDoneLine.size())).c_str());
    } else if (text.rfind(kGuestErrorLine, 0) == 0) {
      if (r.guest_error.empty()) r.guest_error = std::string(text.substr(kGuestErrorLine.size()));
    } else if (text.find("Kernel panic - not syncing") != std::string_view::npos) {
      if (r.panic.empty()) r.panic = std::string(text.substr(text.find("Kernel panic")));
    } else if (text.rfind("BUG:", 0) == 0 || text.rfind("WARNING:", 0) == 0 ||
               text.rfind("Oops:", 0) == 0 || text.find("general protection fault") == 0 ||
               text.rfind("kernel BUG at", 0) == 0 || text.rfind("Unable to handle", 0) == 0) {
      r.kernel_problems.emplace_back(text);
    }
  }
  return r;
}

}  // namespace sigctx
