#include <fmt/format.h>
#include <libcpuid.h>

#include <cstring>
#include <set>
#include <sstream>
#include <string>

#include "probes/probe_parts.h"

namespace sigctx {

namespace {

std::string regs_string(std::initializer_list<uint32_t> words) {
  std::string s;
  for (uint32_t w : words) {
    char bytes[4];
    std::memcpy(bytes, &w, 4);
    s.append(bytes, 4);
  }
  return s.substr(0, s.find('\0'));
}

// CPUID 0x80000002..4, trimmed: vendors pad the brand with spaces on either side.
std::string brand_string(const CpuidSource& cpuid) {
  if (cpuid.query(0x80000000, 0).eax < 0x80000004) return "";
  std::string brand;
  for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; ++leaf) {
    const CpuidRegs r = cpuid.query(leaf, 0);
    brand += regs_string({r.eax, r.ebx, r.ecx, r.edx});
  }
  const auto first = brand.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return brand.substr(first, brand.find_last_not_of(' ') - first + 1);
}

// libcpuid identifies from a raw-data snapshot. Filling that snapshot from the CpuidSource rather
// than letting libcpuid execute CPUID itself keeps a fixture's identity the fixture's: the codename
// of a Zen 3 dump must not come from the machine running the tests.
cpu_raw_data_t raw_data_from(const CpuidSource& cpuid) {
  cpu_raw_data_t raw;
  std::memset(&raw, 0, sizeof raw);
  auto put = [](uint32_t* dst, const CpuidRegs& r) {
    dst[EAX] = r.eax;
    dst[EBX] = r.ebx;
    dst[ECX] = r.ecx;
    dst[EDX] = r.edx;
  };
  for (uint32_t i = 0; i < MAX_CPUID_LEVEL; ++i)
    put(raw.basic_cpuid[i], cpuid.query(i, 0));
  for (uint32_t i = 0; i < MAX_EXT_CPUID_LEVEL; ++i)
    put(raw.ext_cpuid[i], cpuid.query(0x80000000 + i, 0));
  for (uint32_t i = 0; i < MAX_INTELFN4_LEVEL; ++i)
    put(raw.intel_fn4[i], cpuid.query(4, i));
  for (uint32_t i = 0; i < MAX_INTELFN11_LEVEL; ++i)
    put(raw.intel_fn11[i], cpuid.query(0xb, i));
  for (uint32_t i = 0; i < MAX_INTELFN12H_LEVEL; ++i)
    put(raw.intel_fn12h[i], cpuid.query(0x12, i));
  for (uint32_t i = 0; i < MAX_INTELFN14H_LEVEL; ++i)
    put(raw.intel_fn14h[i], cpuid.query(0x14, i));
  for (uint32_t i = 0; i < MAX_AMDFN8000001DH_LEVEL; ++i)
    put(raw.amd_fn8000001dh[i], cpuid.query(0x8000001d, i));
  return raw;
}

// libcpuid scores every entry of its table against the CPU and takes the best, so it names a CPU
// whose family it has no entry for after some older part: family 0x1a (Zen 5) came out as "Abu
// Dhabi", a 2012 Opteron. At verbosity 4 it reports, entry by entry, which fields matched
// ("Score: ext_family   matches, adding  2 ...", then "Entry 12, `name', score 9") and which
// entry it selected. Its tables tell parts apart by the display family (ext_family) from family
// 0xf on (AMD since K8), and by the display model (ext_model) below it (Intel's family 6): the
// answer is knowledge only when the selected entry matched that field. Debian 12's libcpuid 0.6.2
// names a Zen 5 EPYC "Abu Dhabi" (model 2 of family 0x15) and a Sapphire Rapids Xeon w9 "Xeon
// (Conroe/2M)" (family 6's model 15, 2006) that way.
struct LibcpuidChoice {
  bool explained = false;         // libcpuid said which fields matched (0.6.x does)
  std::set<std::string> matched;  // by the selected entry
};

std::string* g_log = nullptr;
void collect_libcpuid_log(const char* msg) {
  if (g_log) *g_log += msg;
}

LibcpuidChoice explain_choice(const std::string& log) {
  LibcpuidChoice choice;
  std::set<std::string> fields, last_entry;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    static const std::string kScore = "Score: ";
    if (line.rfind(kScore, 0) == 0) {
      std::istringstream words(line.substr(kScore.size()));
      std::string field, verb;
      words >> field >> verb;
      if (verb.rfind("matches", 0) == 0) fields.insert(field);
    } else if (line.rfind("Entry ", 0) == 0 && line.find("selected") != std::string::npos) {
      choice.explained = true;
      choice.matched = last_entry;
    } else if (line.rfind("Entry ", 0) == 0) {
      last_entry = std::move(fields);
      fields.clear();
    }
  }
  return choice;
}

}  // namespace

CpuIdentity identify_cpu(const CpuidSource& cpuid) {
  CpuIdentity id;
  // Vendor, signature and brand come from raw CPUID, so they are right even where libcpuid does
  // not know the CPU; libcpuid adds only the codename.
  const CpuidRegs l0 = cpuid.query(0, 0);
  id.vendor = regs_string({l0.ebx, l0.edx, l0.ecx});
  const CpuidRegs l1 = cpuid.query(1, 0);
  const int base_family = (l1.eax >> 8) & 0xf, base_model = (l1.eax >> 4) & 0xf;
  id.ext_family = (l1.eax >> 20) & 0xff;
  id.ext_model = (l1.eax >> 16) & 0xf;
  id.family = base_family == 0xf ? base_family + id.ext_family : base_family;
  id.model =
      (base_family == 0x6 || base_family == 0xf) ? (id.ext_model << 4) | base_model : base_model;
  id.stepping = l1.eax & 0xf;
  id.brand = brand_string(cpuid);
  id.codename = "unknown";

  cpu_raw_data_t raw = raw_data_from(cpuid);
  cpu_id_t data;
  std::string log;
  g_log = &log;
  const libcpuid_warn_fn_t previous = cpuid_set_warn_function(collect_libcpuid_log);
  cpuid_set_verbosiness_level(4);
  const int identified = cpu_identify(&raw, &data);
  cpuid_set_verbosiness_level(0);
  cpuid_set_warn_function(previous);
  g_log = nullptr;
  if (identified < 0) {
    id.libcpuid_error = cpuid_error();
    return id;
  }
  if (id.brand.empty()) id.brand = data.brand_str;
  if (!data.cpu_codename[0]) return id;
  // Never a wrong name: a guess is reported as what it is, beside the CPUID brand string.
  const LibcpuidChoice choice = explain_choice(log);
  const char* telling_field = id.family >= 0xf ? "ext_family" : "ext_model";
  if (choice.explained && !choice.matched.count(telling_field)) {
    id.libcpuid_error = fmt::format(
        "family {:#x} model {:#x}: unknown to libcpuid {} (its "
        "closest entry, \"{}\", is another CPU)",
        id.family, id.model, cpuid_lib_version(), data.cpu_codename);
    return id;
  }
  id.codename = data.cpu_codename;
  return id;
}

}  // namespace sigctx
