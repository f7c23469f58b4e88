// Comparing an expected register image with what came back, register by register and lane by
// lane, and grouping the differences for a compact human report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "xstate/classify.h"
#include "xstate/component.h"

namespace sigctx {

// Where in the code a transition fired (the injection point of a diff).
struct InjectionPoint {
  std::string routine;      // symbol of the asm routine holding the state: "sigctx_hold"
  uint64_t offset = 0;      // byte offset of the instruction inside it
  int64_t boundary = -1;    // dynamic instruction boundary of a dirty routine, -1 = n/a
  int64_t boundaries = -1;  // how many boundaries the kernel has, -1 = n/a
  std::string instruction;  // disassembly of the instruction, e.g. "syscall"
};

struct RegisterDiff {
  ComponentId component = ComponentId::kGpr;
  std::string reg;                        // "ymm3"
  std::string bits;                       // "[255:128]"
  std::vector<unsigned> lanes;            // architectural lane numbers that differ
  std::vector<uint8_t> expected, actual;  // little-endian bytes of the field
  DiffClass cls = DiffClass::kUnknown;    // class of the first differing lane
  std::string source;                     // where the actual value came from
  std::string where;                      // "after return", "in the signal frame", ...
  InjectionPoint injection;
};

struct DiffOptions {
  ComponentMask checked = 0;
  uint16_t gpr_skip = 1u << 4;  // GPRs not compared (bit = hardware number); rsp by default
  std::string where;
  InjectionPoint injection;
};

std::vector<RegisterDiff> diff_images(const CpuImage& expected, const CpuImage& actual,
                                      const Machine& m, const DiffOptions& opts,
                                      const ClassifyContext& ctx);

// Whether two images agree on every compared field of `checked` (masks applied, empty x87
// registers skipped): what diff_images reports as no difference, without allocating, so a
// signal handler may call it.
bool images_equal(const CpuImage& expected, const CpuImage& actual, ComponentMask checked,
                  const Machine& m);

// Puts the differences of control registers first (MXCSR, the x87 control word, PKRU), keeping
// the order otherwise: a wrong control register changes what the code computes afterwards, so
// its difference is the likely root and the others may follow from it.
void lead_with_root(std::vector<RegisterDiff>& diffs);

// Hex of a little-endian byte string, most significant byte first: "0x5ac1d20103050702".
std::string hex_bytes(const std::vector<uint8_t>& le);

nlohmann::json diff_to_json(const RegisterDiff& d);
bool diff_from_json(const nlohmann::json& j, RegisterDiff* d, std::string* error);

// Consecutive diffs of one component, class and location, for the human report.
struct DiffGroup {
  size_t first = 0, count = 0;  // indices into the diff list
  size_t bytes = 0;
};
std::vector<DiffGroup> group_diffs(const std::vector<RegisterDiff>& diffs);
// "avx: ymm3..ymm15 [255:128] differ (13 registers, 208 bytes), class zeroed"
std::string describe_group(const std::vector<RegisterDiff>& diffs, const DiffGroup& g);
// "ymm3[255:128] expected 0x... got 0x...  class: zeroed (source)"
std::string describe_diff(const RegisterDiff& d, size_t max_hex_digits = 32);

}  // namespace sigctx
