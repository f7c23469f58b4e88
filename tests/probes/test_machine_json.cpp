#include <gtest/gtest.h>

#include "probes/machine.h"
#include "tests/probes/fixtures.h"

namespace sigctx {
namespace {

using nlohmann::json;
using testing::kZen3;
using testing::load_fixture;
using testing::sample_machine;

// Through text, as a result file would carry it.
Machine reload(const Machine& m) {
  const json j = json::parse(machine_to_json(m).dump(2));
  Machine out;
  std::string error;
  EXPECT_TRUE(machine_from_json(j, &out, &error)) << error;
  return out;
}

std::string reload_error(const json& j) {
  Machine m;
  std::string error;
  EXPECT_FALSE(machine_from_json(j, &m, &error));
  return error;
}

TEST(MachineJson, LayoutOfTheDocument) {
  const json j = machine_to_json(sample_machine());
  EXPECT_EQ(j["cpu"]["vendor"], "GenuineIntel");
  EXPECT_EQ(j["cpu"]["family"], 6);
  EXPECT_EQ(j["cpu"]["model"], 0x8f);
  EXPECT_EQ(j["cpu"]["features"]["amx_tile"], true);
  EXPECT_EQ(j["cpu"]["features"]["apx_f"], false);
  EXPECT_FALSE(j["cpu"].contains("libcpuid_error"));
  EXPECT_EQ(j["xsave"]["xcr0"], "0x602e7");
  EXPECT_EQ(j["xsave"]["xinuse"], "0x202a3");
  EXPECT_EQ(j["xsave"]["supported_supervisor"], "0xdd00");
  EXPECT_EQ(j["xsave"]["size_enabled"], 0x2b00);
  EXPECT_EQ(j["xsave"]["mxcsr_mask"], "0xffff");
  EXPECT_EQ(j["xsave"]["xfd"], true);
  const json& comps = j["xsave"]["components"];
  ASSERT_TRUE(comps.is_array());
  EXPECT_EQ(comps.size(), 15u);  // 0 1 2 5 6 7 8 9 10 11 12 14 15 17 18
  const json& tiledata = comps.back();
  EXPECT_EQ(tiledata["index"], 18);
  EXPECT_EQ(tiledata["name"], "amx_tiledata");
  EXPECT_EQ(tiledata["offset"], 0xb00);
  EXPECT_EQ(tiledata["size"], 0x2000);
  EXPECT_EQ(tiledata["align64"], true);
  EXPECT_EQ(tiledata["xfd"], true);
  EXPECT_EQ(tiledata["enabled_in_xcr0"], true);
  EXPECT_EQ(comps[6]["name"], "pt");
  EXPECT_EQ(comps[6]["supervisor"], true);
  EXPECT_EQ(comps[6]["enabled_in_xcr0"], false);
  const json& leaf0 = j["cpuid"][0];
  EXPECT_EQ(leaf0["leaf"], "0x0");
  EXPECT_EQ(leaf0["subleaf"], "0x0");
  EXPECT_EQ(leaf0["eax"], "0x00000020");
  EXPECT_EQ(leaf0["ebx"], "0x756e6547");
  EXPECT_EQ(j["auxv"]["hwcap2"], "0x2");
  EXPECT_EQ(j["auxv"]["fsgsbase"], true);
  EXPECT_EQ(j["auxv"]["minsigstksz"], 11952);
  EXPECT_EQ(j["signal_frame"]["xcomp_bv"], "0x80000000000602e7");
  EXPECT_EQ(j["signal_frame"]["frame_size"], 12016);
  EXPECT_EQ(j["os"]["machine"], "x86_64");
  EXPECT_EQ(j["libc"]["name"], "glibc");
  EXPECT_EQ(j["environment"]["tracer_pid"], 4242);
  EXPECT_EQ(j["environment"]["qemu_user"], true);
}

TEST(MachineJson, UnsupportedXinuseIsNullAndLibcpuidErrorIsKept) {
  Machine m = sample_machine();
  m.xinuse.reset();
  m.identity.libcpuid_error = "CPU vendor unknown";
  const json j = machine_to_json(m);
  EXPECT_TRUE(j["xsave"]["xinuse"].is_null());
  EXPECT_EQ(j["cpu"]["libcpuid_error"], "CPU vendor unknown");
  const Machine back = reload(m);
  EXPECT_FALSE(back.xinuse.has_value());
  EXPECT_EQ(back.identity.libcpuid_error, "CPU vendor unknown");
}

TEST(MachineJson, RoundTripRestoresEveryField) {
  const Machine m = sample_machine();
  const Machine back = reload(m);
  EXPECT_EQ(machine_to_json(back), machine_to_json(m));

  EXPECT_EQ(back.identity.brand, m.identity.brand);
  EXPECT_EQ(back.identity.codename, "Sapphire Rapids");
  for (const auto& field : cpu_feature_fields())
    EXPECT_EQ(back.features.*field.member, m.features.*field.member) << field.name;
  ASSERT_EQ(back.cpuid_leaves.size(), m.cpuid_leaves.size());
  for (size_t i = 0; i < m.cpuid_leaves.size(); ++i) {
    EXPECT_EQ(back.cpuid_leaves[i].leaf, m.cpuid_leaves[i].leaf);
    EXPECT_EQ(back.cpuid_leaves[i].subleaf, m.cpuid_leaves[i].subleaf);
    EXPECT_EQ(back.cpuid_leaves[i].regs, m.cpuid_leaves[i].regs);
  }
  EXPECT_EQ(back.xcr0, 0x602e7u);
  EXPECT_EQ(back.xinuse, std::optional<uint64_t>(0x202a3));
  EXPECT_EQ(back.mxcsr_mask, 0xffffu);
  EXPECT_EQ(back.xcomp_perm, 0x602e7u);
  // The layout works again: the arithmetic other modules do on a reloaded machine.
  EXPECT_TRUE(back.xsave.xsave);
  EXPECT_EQ(back.xsave.supported_user, m.xsave.supported_user);
  EXPECT_EQ(back.xsave.size_compacted_enabled, m.xsave.size_compacted_enabled);
  for (unsigned i = 0; i < 64; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(back.xsave.has(i), m.xsave.has(i));
    EXPECT_EQ(back.xsave.components[i].size, m.xsave.components[i].size);
    EXPECT_EQ(back.xsave.components[i].offset, m.xsave.components[i].offset);
    EXPECT_EQ(back.xsave.components[i].supervisor, m.xsave.components[i].supervisor);
    EXPECT_EQ(back.xsave.components[i].align64, m.xsave.components[i].align64);
    EXPECT_EQ(back.xsave.components[i].xfd, m.xsave.components[i].xfd);
  }
  EXPECT_EQ(back.xsave.compacted_offset(0x602e7, kXsaveTiledata), 0xa00u);
  EXPECT_EQ(back.auxv.minsigstksz, 11952u);
  EXPECT_TRUE(back.fsgsbase_instructions());
  EXPECT_EQ(back.os.release, "6.12.0");
  EXPECT_EQ(back.os.libc_version, "2.36");
  EXPECT_TRUE(back.env.qemu_user);
  EXPECT_EQ(back.env.tracer_pid, 4242);
  EXPECT_EQ(back.env.emulator_path, "/usr/bin/qemu-x86_64");
  EXPECT_TRUE(back.frame.measured);
  EXPECT_EQ(back.frame.xcomp_bv, 0x80000000000602e7ull);
  EXPECT_EQ(back.frame.extended_size, 11012u);
}

TEST(MachineJson, RoundTripOfAnAmdMachineWithoutAvx512) {
  Machine m = machine_from_cpuid(load_fixture(kZen3));
  m.xcr0 = 0x207;
  const Machine back = reload(m);
  EXPECT_EQ(machine_to_json(back), machine_to_json(m));
  EXPECT_FALSE(back.xsave.has(kXsaveOpmask));
  EXPECT_EQ(back.xsave.component(kXsavePkru).offset, 0x980u);
}

TEST(MachineJson, RoundTripOfTheLiveMachine) {
  const Machine m = probe_machine();
  EXPECT_EQ(machine_to_json(reload(m)), machine_to_json(m));
}

TEST(MachineJson, ErrorsNameThePath) {
  const json good = machine_to_json(sample_machine());

  json j = good;
  j["xsave"].erase("xcr0");
  EXPECT_EQ(reload_error(j), "machine.xsave.xcr0: missing");

  j = good;
  j["xsave"]["xcr0"] = 0x602e7;
  EXPECT_EQ(reload_error(j),
            "machine.xsave.xcr0: expected a hex string \"0x...\" of at most 64 bits");

  j = good;
  j["cpuid"][3]["eax"] = "0x1ffffffff";
  EXPECT_EQ(reload_error(j),
            "machine.cpuid[3].eax: expected a hex string \"0x...\" of at most 32 bits");

  j = good;
  j["xsave"]["components"][2]["index"] = 64;
  EXPECT_EQ(reload_error(j),
            "machine.xsave.components[2].index: expected a component index below 64");

  j = good;
  j["cpu"]["features"]["avx2"] = "yes";
  EXPECT_EQ(reload_error(j), "machine.cpu.features.avx2: expected true or false");

  j = good;
  j["signal_frame"]["frame_size"] = -1;
  EXPECT_EQ(reload_error(j),
            "machine.signal_frame.frame_size: expected an integer from 0 to 18446744073709551615");

  j = good;
  j.erase("environment");
  EXPECT_EQ(reload_error(j), "machine.environment: missing");

  EXPECT_EQ(reload_error(json::array()), "machine: expected an object");
}

}  // namespace
}  // namespace sigctx
