#include <gtest/gtest.h>

#include "probes/machine.h"
#include "tests/probes/fixtures.h"

namespace sigctx {
namespace {

using testing::kSapphireRapids;
using testing::kSkylakeX;
using testing::kZen3;
using testing::kZen5;
using testing::load_fixture;

TEST(DecodeFeatures, Zen3) {
  const CpuFeatures f = decode_features(load_fixture(kZen3));
  EXPECT_TRUE(f.sse2 && f.fxsr && f.xsave && f.osxsave && f.avx);
  EXPECT_TRUE(f.avx2);
  EXPECT_FALSE(f.avx512f || f.avx512bw || f.avx512vl || f.avx512dq);
  EXPECT_TRUE(f.pku);
  EXPECT_FALSE(f.ospke);  // Windows leaves CR4.PKE clear
  EXPECT_TRUE(f.fsgsbase);
  EXPECT_TRUE(f.rdpid);
  EXPECT_FALSE(f.amx_tile || f.amx_int8 || f.amx_bf16 || f.apx_f);
  EXPECT_FALSE(f.hypervisor);
}

TEST(DecodeFeatures, SkylakeX) {
  const CpuFeatures f = decode_features(load_fixture(kSkylakeX));
  EXPECT_TRUE(f.avx && f.avx2);
  EXPECT_TRUE(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq);
  EXPECT_TRUE(f.pku);
  EXPECT_FALSE(f.amx_tile || f.amx_int8 || f.amx_bf16);
  EXPECT_FALSE(f.rdpid);
  EXPECT_FALSE(f.hypervisor);
}

TEST(DecodeFeatures, SapphireRapids) {
  const CpuFeatures f = decode_features(load_fixture(kSapphireRapids));
  EXPECT_TRUE(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq);
  EXPECT_TRUE(f.amx_tile && f.amx_int8 && f.amx_bf16);
  EXPECT_TRUE(f.pku && f.fsgsbase && f.rdpid);
  EXPECT_FALSE(f.apx_f);  // 7.1 EDX bit 21 is clear on this part
}

TEST(DecodeFeatures, ApxNeedsSubleafOne) {
  FixtureCpuid f = load_fixture(kSapphireRapids);
  f.set(7, 1, {0x1c30, 0, 0, 1u << 21});
  EXPECT_TRUE(decode_features(f).apx_f);
  // With 7.0 EAX = 0 there is no sub-leaf 1 to believe.
  CpuidRegs l7 = f.query(7, 0);
  l7.eax = 0;
  f.set(7, 0, l7);
  EXPECT_FALSE(decode_features(f).apx_f);
}

TEST(CpuFeatureFields, NamesEveryFeatureOnce) {
  const auto fields = cpu_feature_fields();
  EXPECT_EQ(fields.size(), sizeof(CpuFeatures));
  // Setting each member through the table sets exactly one distinct member.
  for (size_t i = 0; i < fields.size(); ++i) {
    CpuFeatures f;
    f.*fields[i].member = true;
    for (size_t k = 0; k < fields.size(); ++k)
      EXPECT_EQ(f.*fields[k].member, i == k) << fields[i].name << " vs " << fields[k].name;
  }
}

// The identity comes from the source, not from the CPU running the tests.
TEST(MachineFromCpuid, IdentityOfEachFixture) {
  const Machine zen3 = machine_from_cpuid(load_fixture(kZen3));
  EXPECT_EQ(zen3.identity.vendor, "AuthenticAMD");
  EXPECT_EQ(zen3.identity.brand, "AMD Ryzen 9 5900X 12-Core Processor");
  EXPECT_EQ(zen3.identity.family, 0x19);
  EXPECT_EQ(zen3.identity.model, 0x21);
  EXPECT_EQ(zen3.identity.stepping, 0);
  EXPECT_EQ(zen3.identity.ext_family, 0xa);
  EXPECT_EQ(zen3.identity.ext_model, 2);

  const Machine skx = machine_from_cpuid(load_fixture(kSkylakeX));
  EXPECT_EQ(skx.identity.vendor, "GenuineIntel");
  EXPECT_EQ(skx.identity.brand, "Intel(R) Xeon(R) Platinum 8160 CPU @ 2.10GHz");
  EXPECT_EQ(skx.identity.family, 6);
  EXPECT_EQ(skx.identity.model, 0x55);
  EXPECT_EQ(skx.identity.stepping, 4);

  const Machine spr = machine_from_cpuid(load_fixture(kSapphireRapids));
  EXPECT_EQ(spr.identity.brand, "Intel(R) Xeon(R) w9-3475X");
  EXPECT_EQ(spr.identity.model, 0x8f);
  EXPECT_EQ(spr.identity.stepping, 8);
}

TEST(MachineFromCpuid, CodenameComesFromTheFixture) {
  const Machine zen3 = machine_from_cpuid(load_fixture(kZen3));
  const Machine skx = machine_from_cpuid(load_fixture(kSkylakeX));
  EXPECT_TRUE(zen3.identity.libcpuid_error.empty()) << zen3.identity.libcpuid_error;
  EXPECT_NE(zen3.identity.codename.find("Vermeer"), std::string::npos) << zen3.identity.codename;
  EXPECT_NE(skx.identity.codename.find("Skylake"), std::string::npos) << skx.identity.codename;
}

// libcpuid 0.6.2 has no entry for family 0x1a and named this Zen 5 EPYC "Abu Dhabi", a 2012
// Opteron (issue 21): a guess is reported as one, beside the brand string, never as a name.
TEST(MachineFromCpuid, AFamilyLibcpuidDoesNotKnowGetsNoCodename) {
  const Machine zen5 = machine_from_cpuid(load_fixture(kZen5));
  EXPECT_EQ(zen5.identity.family, 0x1a);
  EXPECT_EQ(zen5.identity.model, 0x2);
  EXPECT_EQ(zen5.identity.brand, "AMD EPYC 9655 96-Core Processor");
  EXPECT_EQ(zen5.identity.codename, "unknown");
  EXPECT_EQ(zen5.identity.libcpuid_error.rfind("family 0x1a model 0x2: unknown to libcpuid ", 0),
            0u)
      << zen5.identity.libcpuid_error;
  const std::string text = machine_to_text(zen5);
  EXPECT_NE(text.find("AMD EPYC 9655 96-Core Processor"), std::string::npos) << text;
  EXPECT_NE(text.find("libcpuid codename unknown"), std::string::npos) << text;
  EXPECT_NE(text.find("libcpuid: family 0x1a model 0x2: unknown to libcpuid"), std::string::npos)
      << text;
  // The CPUs libcpuid does know keep their names, with no note.
  for (const char* known : {kZen3, kSkylakeX}) {
    const Machine m = machine_from_cpuid(load_fixture(known));
    EXPECT_NE(m.identity.codename, "unknown") << known;
    EXPECT_EQ(m.identity.libcpuid_error, "") << known;
  }
}

// Debian 12's libcpuid 0.6.2 predates Sapphire Rapids (family 6 model 0x8f) and took the w9-3475X
// for a 2006 "Xeon (Conroe/2M)": below family 0xf it is the display model that must match.
TEST(MachineFromCpuid, AModelLibcpuidDoesNotKnowGetsNoCodename) {
  const Machine spr = machine_from_cpuid(load_fixture(kSapphireRapids));
  EXPECT_EQ(spr.identity.codename, "unknown");
  EXPECT_NE(spr.identity.libcpuid_error.find("family 0x6 model 0x8f: unknown to libcpuid"),
            std::string::npos)
      << spr.identity.libcpuid_error;
}

TEST(MachineFromCpuid, LeavesLayoutAndOsDefaults) {
  const FixtureCpuid src = load_fixture(kSapphireRapids);
  const Machine m = machine_from_cpuid(src);
  EXPECT_EQ(m.xsave.supported_user, 0x602e7u);
  EXPECT_TRUE(m.features.amx_tile);
  ASSERT_FALSE(m.cpuid_leaves.empty());
  EXPECT_EQ(m.cpuid_leaves.front().regs, src.query(0, 0));
  EXPECT_EQ(m.xcr0, 0u);  // the OS's choice; fixtures leave it to the test
  EXPECT_FALSE(m.xinuse.has_value());
  EXPECT_EQ(m.mxcsr_mask, 0xffbfu);
}

}  // namespace
}  // namespace sigctx
