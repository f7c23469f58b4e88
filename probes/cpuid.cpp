#include "probes/cpuid.h"

#include <cpuid.h>
#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>

namespace sigctx {

CpuidRegs LiveCpuid::query(uint32_t leaf, uint32_t subleaf) const {
  CpuidRegs r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

FixtureCpuid::FixtureCpuid(const std::vector<CpuidLeaf>& leaves) {
  for (const auto& l : leaves)
    leaves_[{l.leaf, l.subleaf}] = l.regs;
}

namespace {

// One hex field of a fixture line, with or without "0x"; nullopt unless it is all hex digits and
// fits in 32 bits (istream's hex parsing would accept "-1" and silently wrap it).
std::optional<uint32_t> parse_hex32(std::string_view token) {
  if (token.size() > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X'))
    token.remove_prefix(2);
  uint32_t value = 0;
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, value, 16);
  if (token.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<FixtureCpuid> FixtureCpuid::parse(const std::string& text, std::string* error) {
  static const char* const kFields[] = {"leaf", "subleaf", "eax", "ebx", "ecx", "edx"};
  FixtureCpuid f;
  std::istringstream in(text);
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    auto fail = [&](const std::string& what) {
      if (error) *error = fmt::format("line {}: {}", lineno, what);
      return std::nullopt;
    };
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos)
      return fail(fmt::format("expected 'leaf subleaf: eax ebx ecx edx' in hex, got '{}'", line));
    std::vector<std::string> tokens;
    std::istringstream before(line.substr(0, colon)), after(line.substr(colon + 1));
    for (std::string t; before >> t;)
      tokens.push_back(t);
    if (tokens.size() != 2)
      return fail(
          fmt::format("expected 'leaf subleaf' before ':', got '{}'", line.substr(0, colon)));
    for (std::string t; after >> t;)
      tokens.push_back(t);
    if (tokens.size() < 6) return fail(fmt::format("missing {} after ':'", kFields[tokens.size()]));
    if (tokens.size() > 6) return fail(fmt::format("unexpected '{}' after edx", tokens[6]));
    uint32_t v[6];
    for (int i = 0; i < 6; ++i) {
      auto parsed = parse_hex32(tokens[i]);
      if (!parsed)
        return fail(fmt::format("{}: '{}' is not a 32-bit hex number", kFields[i], tokens[i]));
      v[i] = *parsed;
    }
    f.set(v[0], v[1], {v[2], v[3], v[4], v[5]});
  }
  return f;
}

std::optional<FixtureCpuid> FixtureCpuid::load(const std::string& path, std::string* error) {
  std::ifstream in(path);
  std::stringstream text;
  if (!(text << in.rdbuf())) {
    if (error) *error = fmt::format("{}: cannot read", path);
    return std::nullopt;
  }
  std::string why;
  auto f = parse(text.str(), &why);
  if (!f && error) *error = fmt::format("{}: {}", path, why);
  return f;
}

CpuidRegs FixtureCpuid::query(uint32_t leaf, uint32_t subleaf) const {
  auto it = leaves_.find({leaf, subleaf});
  return it == leaves_.end() ? CpuidRegs{} : it->second;
}

std::vector<CpuidLeaf> collect_fingerprint_leaves(const CpuidSource& cpuid) {
  std::vector<CpuidLeaf> out;
  auto add = [&](uint32_t leaf, uint32_t sub) {
    out.push_back({leaf, sub, cpuid.query(leaf, sub)});
  };
  const uint32_t max_leaf = cpuid.query(0, 0).eax;
  add(0, 0);
  if (max_leaf >= 1) add(1, 0);
  if (max_leaf >= 7) {
    add(7, 0);
    add(7, 1);
  }
  if (max_leaf >= 0xd) {
    add(0xd, 0);
    add(0xd, 1);
    for (uint32_t sub = 2; sub < 64; ++sub)
      if (cpuid.query(0xd, sub) != CpuidRegs{}) add(0xd, sub);
  }
  if (max_leaf >= 0x19) add(0x19, 0);  // Key Locker
  if (max_leaf >= 0x1d) {              // AMX palettes: tile sizes
    add(0x1d, 0);
    add(0x1d, 1);
  }
  if (max_leaf >= 0x1e) add(0x1e, 0);  // TMUL
  if (cpuid.query(1, 0).ecx & (1u << 31)) add(0x40000000, 0);
  return out;
}

uint64_t read_xgetbv(uint32_t index) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
  return (uint64_t{hi} << 32) | lo;
}

}  // namespace sigctx
