#include "tests/support/machines.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sigctx::test {

namespace {

// What a current Linux enables: every user component the CPU supports but MPX (dropped in 5.6).
Machine from_fixture(const char* file) {
  std::string error;
  auto cpuid =
      FixtureCpuid::load(std::string(SIGCTX_SOURCE_DIR) + "/tests/fixtures/cpuid/" + file, &error);
  if (!cpuid) throw std::runtime_error(error);
  Machine m = machine_from_cpuid(*cpuid);
  m.xcr0 = m.xsave.supported_user & ~0x18ull;
  m.xcomp_supp = m.xcr0;
  m.xcomp_perm = m.xcr0 & ~(1ull << 18);  // AMX tile data needs ARCH_REQ_XCOMP_PERM first
  m.mxcsr_mask = 0xffff;
  m.auxv.hwcap2 = 2;
  m.auxv.hwcap2_fsgsbase = true;
  m.auxv.minsigstksz = m.xsave.standard_size(m.xcr0) + 1136;
  m.os.sysname = "Linux";
  m.os.libc_name = "glibc";
  return m;
}

}  // namespace

Machine zen3() {
  return from_fixture("amd_zen3_ryzen9_5900x.txt");
}
Machine zen5() {
  return from_fixture("amd_zen5_epyc_9655.txt");
}
Machine skylake_x() {
  return from_fixture("intel_skylake_sp_xeon_8160.txt");
}
Machine sapphire_rapids() {
  return from_fixture("intel_sapphire_rapids_w9_3475x.txt");
}

Machine nehalem_like() {
  Machine m = zen3();
  m.features.xsave = m.features.osxsave = m.features.avx = m.features.avx2 = false;
  m.features.pku = m.features.ospke = false;
  m.xsave = {};
  m.xcr0 = 0;
  m.xcomp_perm = 0;
  return m;
}

}  // namespace sigctx::test
