#include "probes/cpuid.h"

#include <cpuid.h>
#include <fmt/format.h>
#include <sstream>

namespace sigctx {

CpuidRegs LiveCpuid::query(uint32_t leaf, uint32_t subleaf) const {
  CpuidRegs r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

FixtureCpuid::FixtureCpuid(const std::vector<CpuidLeaf>& leaves) {
  for (const auto& l : leaves) leaves_[{l.leaf, l.subleaf}] = l.regs;
}

std::optional<FixtureCpuid> FixtureCpuid::parse(const std::string& text, std::string* error) {
  FixtureCpuid f;
  std::istringstream in(text);
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    unsigned leaf, sub, a, b, c, d;
    char colon = 0;
    std::istringstream ls(line);
    ls >> std::hex >> leaf >> sub >> colon >> a >> b >> c >> d;
    if (!ls || colon != ':') {
      if (error)
        *error = fmt::format("line {}: expected 'leaf subleaf: eax ebx ecx edx' in hex, got '{}'",
                             lineno, line);
      return std::nullopt;
    }
    std::string rest;
    if (ls >> rest) {
      if (error) *error = fmt::format("line {}: unexpected '{}' after edx", lineno, rest);
      return std::nullopt;
    }
    f.set(leaf, sub, {a, b, c, d});
  }
  return f;
}

CpuidRegs FixtureCpuid::query(uint32_t leaf, uint32_t subleaf) const {
  auto it = leaves_.find({leaf, subleaf});
  return it == leaves_.end() ? CpuidRegs{} : it->second;
}

std::vector<CpuidLeaf> collect_fingerprint_leaves(const CpuidSource& cpuid) {
  std::vector<CpuidLeaf> out;
  auto add = [&](uint32_t leaf, uint32_t sub) { out.push_back({leaf, sub, cpuid.query(leaf, sub)}); };
  const uint32_t max_leaf = cpuid.query(0, 0).eax;
  add(0, 0);
  if (max_leaf >= 1) add(1, 0);
  if (max_leaf >= 7) {
    add(7, 0);
    add(7, 1);
  }
  if (max_leaf >= 0xd)
    for (uint32_t sub = 0; sub < 64; ++sub) add(0xd, sub);
  for (uint32_t leaf : {0x19u, 0x1du, 0x1eu})
    if (max_leaf >= leaf) add(leaf, 0);
  if (max_leaf >= 0x1d) add(0x1d, 1);
  if (cpuid.query(1, 0).ecx & (1u << 31)) add(0x40000000, 0);
  return out;
}

uint64_t read_xgetbv(uint32_t index) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
  return (uint64_t{hi} << 32) | lo;
}

}  // namespace sigctx
