// What a buffer that should be all zero holds instead: its runs of nonzero 8-byte words, each
// with offset, length, first bytes and where the values came from (a pattern lane decodes to its
// register, lane and owner: "ymm0 lane 2 of handler level 1's pattern").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sigctx {

struct NonzeroRun {
  size_t offset = 0;
  size_t length = 0;
  std::vector<uint8_t> bytes;  // the first up to 16
  std::string source;          // the first decodable 8-byte word's origin, or empty
};

struct ZeroCheck {
  size_t nonzero_bytes = 0;
  size_t run_count = 0;
  std::vector<NonzeroRun> runs;  // the first max_runs
  bool zero() const { return nonzero_bytes == 0; }
};

ZeroCheck check_zero(const uint8_t* buf, size_t len, size_t max_runs = 4);

// "offset 96, 32 bytes 0x0201... (ymm0 lane 2 of handler level 1's pattern (generation 1))"
std::string describe_run(const NonzeroRun& run);
// "160 of 4096 bytes are not zero, in 5 runs: offset 96, ...; offset 224, ..."
std::string describe_zero_check(const ZeroCheck& z, size_t len);

}  // namespace sigctx
