// Raw CPUID access. Everything that decides availability reads CPUID through a CpuidSource, so
// unit tests can substitute the leaves of another CPU (fixtures of AMD Zen 3, Intel Skylake-X,
// Intel Sapphire Rapids) for the live instruction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sigctx {

struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
  bool operator==(const CpuidRegs&) const = default;
};

struct CpuidLeaf {
  uint32_t leaf = 0;
  uint32_t subleaf = 0;
  CpuidRegs regs;
};

class CpuidSource {
 public:
  virtual ~CpuidSource() = default;
  virtual CpuidRegs query(uint32_t leaf, uint32_t subleaf) const = 0;
};

// Executes the CPUID instruction.
class LiveCpuid final : public CpuidSource {
 public:
  CpuidRegs query(uint32_t leaf, uint32_t subleaf) const override;
};

// A recorded set of leaves; missing leaves read as zero, like CPUID beyond the maximum leaf on
// Intel. Fixture files hold one leaf per line: "leaf subleaf: eax ebx ecx edx" in hex.
class FixtureCpuid final : public CpuidSource {
 public:
  FixtureCpuid() = default;
  explicit FixtureCpuid(const std::vector<CpuidLeaf>& leaves);
  // Parses the fixture text; on a malformed line returns nullopt and sets *error to
  // "line N: what is wrong".
  static std::optional<FixtureCpuid> parse(const std::string& text, std::string* error);
  CpuidRegs query(uint32_t leaf, uint32_t subleaf) const override;
  void set(uint32_t leaf, uint32_t subleaf, CpuidRegs regs) { leaves_[{leaf, subleaf}] = regs; }

 private:
  std::map<std::pair<uint32_t, uint32_t>, CpuidRegs> leaves_;
};

// The leaves the fingerprint records: 0, 1, 7.0, 7.1, every sub-leaf of 0xD up to 63, 0x19,
// 0x1D and 0x1E where the maximum leaf allows, and the hypervisor leaf 0x40000000.
std::vector<CpuidLeaf> collect_fingerprint_leaves(const CpuidSource& cpuid);

// XGETBV with ECX=index. Only valid when CPUID.1:ECX.OSXSAVE is set (index 0) and, for index 1,
// when CPUID.(0xD,1):EAX bit 2 (XGETBV with ECX=1) is set; callers check first.
uint64_t read_xgetbv(uint32_t index);

}  // namespace sigctx
