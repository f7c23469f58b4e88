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
  // Reads and parses a fixture file; errors read "PATH: line N: ..." or "PATH: cannot read".
  static std::optional<FixtureCpuid> load(const std::string& path, std::string* error);
  CpuidRegs query(uint32_t leaf, uint32_t subleaf) const override;
  void set(uint32_t leaf, uint32_t subleaf, CpuidRegs regs) { leaves_[{leaf, subleaf}] = regs; }

 private:
  std::map<std::pair<uint32_t, uint32_t>, CpuidRegs> leaves_;
};

// The leaves the fingerprint records: 0, 1, 7.0, 7.1, sub-leaves 0 and 1 of 0xD and every other
// sub-leaf up to 63 that is not all zero (a CPU answers zero for components it lacks, so nothing is
// lost), 0x19, 0x1D.0, 0x1D.1 and 0x1E where the maximum leaf allows, and the hypervisor leaf
// 0x40000000 when CPUID.1:ECX.HV is set.
std::vector<CpuidLeaf> collect_fingerprint_leaves(const CpuidSource& cpuid);

// XGETBV with ECX=index. Only valid when CPUID.1:ECX.OSXSAVE is set (index 0) and, for index 1,
// when CPUID.(0xD,1):EAX bit 2 (XGETBV with ECX=1) is set; callers check first.
uint64_t read_xgetbv(uint32_t index);

}  // namespace sigctx
