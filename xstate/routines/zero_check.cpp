#include "xstate/routines/zero_check.h"

#include <fmt/format.h>
#include <algorithm>
#include <cstring>

#include "xstate/pattern.h"

namespace sigctx {

namespace {

// The origin of the first 8-byte aligned word inside [offset, offset + length) that decodes.
std::string decode_run(const uint8_t* buf, size_t offset, size_t length) {
  for (size_t w = (offset + 7) & ~size_t{7}; w + 8 <= offset + length; w += 8) {
    uint64_t v;
    std::memcpy(&v, buf + w, 8);
    if (auto o = decode_lane(v)) return describe_origin(*o);
  }
  return {};
}

}  // namespace

ZeroCheck check_zero(const uint8_t* buf, size_t len, size_t max_runs) {
  ZeroCheck z;
  // Runs are whole 8-byte words (the last one clipped to the buffer): every zeroing routine
  // stores whole registers, and a pattern lane, which may hold zero bytes, decodes only whole.
  auto word_nonzero = [&](size_t w, size_t* bytes) {
    size_t n = 0;
    for (size_t j = w; j < std::min(w + 8, len); ++j)
      n += buf[j] != 0;
    if (bytes) *bytes += n;
    return n != 0;
  };
  for (size_t w = 0; w < len;) {
    if (!word_nonzero(w, &z.nonzero_bytes)) {
      w += 8;
      continue;
    }
    size_t end = w + 8;
    while (end < len && word_nonzero(end, &z.nonzero_bytes))
      end += 8;
    end = std::min(end, len);
    ++z.run_count;
    if (z.runs.size() < max_runs) {
      NonzeroRun r;
      r.offset = w;
      r.length = end - w;
      r.bytes.assign(buf + w, buf + w + std::min<size_t>(16, end - w));
      r.source = decode_run(buf, w, end - w);
      z.runs.push_back(std::move(r));
    }
    w = (end + 7) & ~size_t{7};
  }
  return z;
}

std::string describe_run(const NonzeroRun& run) {
  std::string hex;
  for (uint8_t b : run.bytes)
    hex += fmt::format("{:02x}", b);
  return fmt::format("offset {}, {} bytes {}{}{}", run.offset, run.length, hex,
                     run.length > run.bytes.size() ? "..." : "",
                     run.source.empty() ? "" : " (" + run.source + ")");
}

std::string describe_zero_check(const ZeroCheck& z, size_t len) {
  std::string s = fmt::format("{} of {} bytes are not zero, in {} run{}: ", z.nonzero_bytes, len,
                              z.run_count, z.run_count == 1 ? "" : "s");
  for (size_t i = 0; i < z.runs.size(); ++i)
    s += (i ? "; " : "") + describe_run(z.runs[i]);
  if (z.run_count > z.runs.size()) s += fmt::format("; and {} more", z.run_count - z.runs.size());
  return s;
}

}  // namespace sigctx
