// CPUID fixtures of real CPUs (tests/fixtures/cpuid/*.txt; each file names its source).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "probes/cpuid.h"
#include "probes/machine.h"

namespace sigctx::testing {

inline constexpr const char* kZen3 = "amd_zen3_ryzen9_5900x.txt";
inline constexpr const char* kSkylakeX = "intel_skylake_sp_xeon_8160.txt";
inline constexpr const char* kZen5 = "amd_zen5_epyc_9655.txt";
inline constexpr const char* kSapphireRapids = "intel_sapphire_rapids_w9_3475x.txt";

inline std::string fixture_path(const std::string& name) {
  // Appended in place: with gtest and nlohmann/json precompiled, g++ 12 inlines
  // `std::string(DIR) + "literal"` far enough to give a false -Warray-bounds.
  std::string path = SIGCTX_SOURCE_DIR;
  path += "/tests/fixtures/cpuid/";
  path += name;
  return path;
}

// Loads a fixture; a missing or malformed file fails the calling test (and returns an empty
// source, which then fails its expectations loudly rather than crashing).
inline FixtureCpuid load_fixture(const std::string& name) {
  std::string error;
  auto f = FixtureCpuid::load(fixture_path(name), &error);
  if (!f) {
    ADD_FAILURE() << error;
    return FixtureCpuid{};
  }
  return *f;
}

// A Sapphire Rapids machine with every field set to something other than its default, as a
// Linux with AMX permitted and a measured signal frame would report it.
inline Machine sample_machine() {
  Machine m = machine_from_cpuid(load_fixture(kSapphireRapids));
  m.identity.codename = "Sapphire Rapids";  // as a libcpuid newer than Debian 12's names it
  m.identity.libcpuid_error.clear();
  m.xcr0 = 0x602e7;
  m.xinuse = 0x202a3;
  m.mxcsr_mask = 0xffff;
  m.xcomp_supp = 0x602e7;
  m.xcomp_perm = 0x602e7;
  m.auxv = {.hwcap = 0x178bfbff, .hwcap2 = 0x2, .hwcap2_fsgsbase = true, .minsigstksz = 11952};
  m.os = {.sysname = "Linux",
          .release = "6.12.0",
          .version = "#1 SMP PREEMPT_DYNAMIC Debian 6.12.0-1",
          .machine = "x86_64",
          .libc_name = "glibc",
          .libc_version = "2.36"};
  m.env = {.hypervisor = false,
           .hypervisor_vendor = "",
           .qemu_user = true,
           .valgrind = false,
           .ptraced = true,
           .tracer_pid = 4242,
           .emulator_path = "/usr/bin/qemu-x86_64"};
  m.frame = {.measured = true,
             .error = "",
             .frame_size = 12016,
             .footprint = 11800,
             .has_xstate_magic = true,
             .xstate_size = 11008,
             .extended_size = 11012,
             .xfeatures = 0x602e7,
             .xstate_bv = 0x202a3,
             .xcomp_bv = 0x8000000000000000ull | 0x602e7};
  return m;
}

}  // namespace sigctx::testing
