// The fingerprint as result files carry it under "machine", and back. Masks, registers and raw
// CPUID words are hex strings ("0x602e7": JSON numbers lose bits above 2^53 in many readers, and
// hex is how people compare them); sizes and counts are numbers.
#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <string_view>
#include <type_traits>

#include "probes/machine.h"

namespace sigctx {

using nlohmann::json;

namespace {

std::string hex(uint64_t v) {
  return fmt::format("{:#x}", v);
}
std::string hex32(uint32_t v) {
  return fmt::format("{:#010x}", v);
}

json features_to_json(const CpuFeatures& f) {
  json j = json::object();
  for (const auto& field : cpu_feature_fields())
    j[field.name] = f.*field.member;
  return j;
}

json cpuid_to_json(const std::vector<CpuidLeaf>& leaves) {
  json a = json::array();
  for (const auto& l : leaves)
    a.push_back({{"leaf", hex(l.leaf)},
                 {"subleaf", hex(l.subleaf)},
                 {"eax", hex32(l.regs.eax)},
                 {"ebx", hex32(l.regs.ebx)},
                 {"ecx", hex32(l.regs.ecx)},
                 {"edx", hex32(l.regs.edx)}});
  return a;
}

json xsave_to_json(const Machine& m) {
  const XsaveLayout& x = m.xsave;
  json components = json::array();
  for (unsigned i = 0; i < 64; ++i) {
    if (!x.has(i)) continue;
    const XsaveComponentInfo& c = x.component(i);
    components.push_back({{"index", i},
                          {"name", xsave_component_name(i)},
                          {"size", c.size},
                          {"offset", c.offset},
                          {"supervisor", c.supervisor},
                          {"align64", c.align64},
                          {"xfd", c.xfd},
                          {"enabled_in_xcr0", m.xcr0_has(i)}});
  }
  return {{"xcr0", hex(m.xcr0)},
          {"xinuse", m.xinuse ? json(hex(*m.xinuse)) : json(nullptr)},
          {"supported_user", hex(x.supported_user)},
          {"supported_supervisor", hex(x.supported_supervisor)},
          {"size_enabled", x.size_enabled},
          {"size_max", x.size_max},
          {"size_compacted_enabled", x.size_compacted_enabled},
          {"xsaveopt", x.xsaveopt},
          {"xsavec", x.xsavec},
          {"xgetbv1", x.xgetbv1},
          {"xsaves", x.xsaves},
          {"xfd", x.xfd},
          {"mxcsr_mask", hex(m.mxcsr_mask)},
          {"xcomp_supp", hex(m.xcomp_supp)},
          {"xcomp_perm", hex(m.xcomp_perm)},
          {"components", components}};
}

}  // namespace

json signal_frame_to_json(const SignalFrameFacts& f) {
  return {{"measured", f.measured},
          {"error", f.error},
          {"frame_size", f.frame_size},
          {"footprint", f.footprint},
          {"has_xstate_magic", f.has_xstate_magic},
          {"xstate_size", f.xstate_size},
          {"extended_size", f.extended_size},
          {"xfeatures", hex(f.xfeatures)},
          {"xstate_bv", hex(f.xstate_bv)},
          {"xcomp_bv", hex(f.xcomp_bv)}};
}

json platform_to_json(const PlatformCapabilities& p) {
  json caps = json::object();
  for (const CapabilityField& f : capability_fields()) {
    const Capability& c = p.*f.member;
    caps[f.name] = {{"state", capability_state_name(c.state)}, {"detail", c.detail}};
  }
  return {{"probed", p.probed},
          {"capabilities", caps},
          {"delivery_ns", p.delivery_ns},
          {"syscall_ns", p.syscall_ns},
          {"handler_delay_ns", p.handler_delay_ns},
          {"clock",
           {{"source", p.clock.source},
            {"resolution_ns", p.clock.resolution_ns},
            {"step_ns", p.clock.step_ns}}},
          {"online_cpus", p.online_cpus},
          {"allowed_cpus", p.allowed_cpus}};
}

json machine_to_json(const Machine& m) {
  json j;
  const CpuIdentity& id = m.identity;
  j["cpu"] = {{"vendor", id.vendor},       {"brand", id.brand},       {"family", id.family},
              {"model", id.model},         {"stepping", id.stepping}, {"ext_family", id.ext_family},
              {"ext_model", id.ext_model}, {"codename", id.codename}};
  if (!id.libcpuid_error.empty()) j["cpu"]["libcpuid_error"] = id.libcpuid_error;
  j["cpu"]["features"] = features_to_json(m.features);
  j["cpuid"] = cpuid_to_json(m.cpuid_leaves);
  j["xsave"] = xsave_to_json(m);
  j["auxv"] = {{"hwcap", hex(m.auxv.hwcap)},
               {"hwcap2", hex(m.auxv.hwcap2)},
               {"fsgsbase", m.auxv.hwcap2_fsgsbase},
               {"minsigstksz", m.auxv.minsigstksz}};
  j["signal_frame"] = signal_frame_to_json(m.frame);
  j["os"] = {{"sysname", m.os.sysname},
             {"release", m.os.release},
             {"version", m.os.version},
             {"machine", m.os.machine}};
  j["libc"] = {{"name", m.os.libc_name}, {"version", m.os.libc_version}};
  j["environment"] = {{"hypervisor", m.env.hypervisor},
                      {"hypervisor_vendor", m.env.hypervisor_vendor},
                      {"qemu_user", m.env.qemu_user},
                      {"valgrind", m.env.valgrind},
                      {"ptraced", m.env.ptraced},
                      {"tracer_pid", m.env.tracer_pid},
                      {"emulator_path", m.env.emulator_path},
                      {"gvisor", m.env.gvisor},
                      {"uml", m.env.uml},
                      {"hypervisor_name", m.env.hypervisor_name},
                      {"kernel_hypervisor", m.env.kernel_hypervisor},
                      {"kind", m.env.kind()}};
  j["platform"] = platform_to_json(m.platform);
  return j;
}

namespace {

// Reads typed members and keeps the first error with its JSON path. Every accessor is a no-op
// once an error is recorded, so callers read a whole section and check ok() once.
class Reader {
 public:
  explicit Reader(std::string* error) : error_(error) {}
  bool ok() const { return ok_; }

  void fail(const std::string& path, std::string_view what) {
    if (!ok_) return;
    ok_ = false;
    if (error_) *error_ = fmt::format("{}: {}", path, what);
  }

  // The member as an object; nullptr (and an error) when absent or not an object.
  const json* object(const json& parent, const std::string& path, const char* key) {
    const json* v = member(parent, path, key);
    if (v && !v->is_object()) return bad(path, key, "an object");
    return v;
  }
  const json* array(const json& parent, const std::string& path, const char* key) {
    const json* v = member(parent, path, key);
    if (v && !v->is_array()) return bad(path, key, "an array");
    return v;
  }

  void str(const json& o, const std::string& path, const char* key, std::string* out) {
    if (const json* v = member(o, path, key)) {
      if (!v->is_string()) return (void)bad(path, key, "a string");
      *out = v->get<std::string>();
    }
  }
  void boolean(const json& o, const std::string& path, const char* key, bool* out) {
    if (const json* v = member(o, path, key)) {
      if (!v->is_boolean()) return (void)bad(path, key, "true or false");
      *out = v->get<bool>();
    }
  }
  template <typename T>
  void number(const json& o, const std::string& path, const char* key, T* out) {
    if (const json* v = member(o, path, key)) {
      if (!v->is_number_integer()) return (void)bad(path, key, "an integer");
      if constexpr (std::is_unsigned_v<T>) {
        // Parsed text gives unsigned numbers, JSON built in code may give signed ones.
        const bool non_negative = v->is_number_unsigned() || v->get<int64_t>() >= 0;
        if (non_negative && v->get<uint64_t>() <= std::numeric_limits<T>::max())
          *out = static_cast<T>(v->get<uint64_t>());
        else
          bad(path, key, fmt::format("an integer from 0 to {}", std::numeric_limits<T>::max()));
      } else {
        const int64_t n = v->get<int64_t>();
        if (n >= std::numeric_limits<T>::min() && n <= std::numeric_limits<T>::max())
          *out = static_cast<T>(n);
        else
          bad(path, key, "an integer in range");
      }
    }
  }
  void real(const json& o, const std::string& path, const char* key, double* out) {
    if (const json* v = member(o, path, key)) {
      if (!v->is_number() || v->get<double>() < 0) return (void)bad(path, key, "a number >= 0");
      *out = v->get<double>();
    }
  }
  template <typename T>
  void hexnum(const json& o, const std::string& path, const char* key, T* out) {
    if (const json* v = member(o, path, key)) {
      uint64_t value = 0;
      if (!v->is_string() || !parse_hex(v->get<std::string>(), &value) ||
          value > std::numeric_limits<T>::max())
        return (void)bad(path, key,
                         fmt::format("a hex string \"0x...\" of at most {} bits", 8 * sizeof(T)));
      *out = static_cast<T>(value);
    }
  }

 private:
  const json* member(const json& parent, const std::string& path, const char* key) {
    if (!ok_) return nullptr;
    auto it = parent.find(key);
    if (it == parent.end()) {
      fail(path + "." + key, "missing");
      return nullptr;
    }
    return &*it;
  }
  const json* bad(const std::string& path, const char* key, std::string_view expected) {
    fail(path + "." + key, fmt::format("expected {}", expected));
    return nullptr;
  }
  static bool parse_hex(std::string_view s, uint64_t* out) {
    if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
    s.remove_prefix(2);
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
    return ec == std::errc() && ptr == s.data() + s.size();
  }

  std::string* error_;
  bool ok_ = true;
};

void read_cpu(Reader& r, const json& cpu, Machine* m) {
  const std::string p = "machine.cpu";
  CpuIdentity& id = m->identity;
  r.str(cpu, p, "vendor", &id.vendor);
  r.str(cpu, p, "brand", &id.brand);
  r.number(cpu, p, "family", &id.family);
  r.number(cpu, p, "model", &id.model);
  r.number(cpu, p, "stepping", &id.stepping);
  r.number(cpu, p, "ext_family", &id.ext_family);
  r.number(cpu, p, "ext_model", &id.ext_model);
  r.str(cpu, p, "codename", &id.codename);
  id.libcpuid_error.clear();
  if (cpu.contains("libcpuid_error")) r.str(cpu, p, "libcpuid_error", &id.libcpuid_error);
  if (const json* f = r.object(cpu, p, "features"))
    for (const auto& field : cpu_feature_fields())
      r.boolean(*f, p + ".features", field.name, &(m->features.*field.member));
}

void read_cpuid(Reader& r, const json& leaves, Machine* m) {
  m->cpuid_leaves.clear();
  for (size_t i = 0; i < leaves.size() && r.ok(); ++i) {
    const std::string p = fmt::format("machine.cpuid[{}]", i);
    if (!leaves[i].is_object()) return r.fail(p, "expected an object");
    CpuidLeaf l;
    r.hexnum(leaves[i], p, "leaf", &l.leaf);
    r.hexnum(leaves[i], p, "subleaf", &l.subleaf);
    r.hexnum(leaves[i], p, "eax", &l.regs.eax);
    r.hexnum(leaves[i], p, "ebx", &l.regs.ebx);
    r.hexnum(leaves[i], p, "ecx", &l.regs.ecx);
    r.hexnum(leaves[i], p, "edx", &l.regs.edx);
    m->cpuid_leaves.push_back(l);
  }
}

void read_xsave(Reader& r, const json& x, Machine* m) {
  const std::string p = "machine.xsave";
  XsaveLayout& l = m->xsave;
  l = XsaveLayout{};
  // CPUID.1:ECX bits the layout repeats; the features carry them in the file.
  l.xsave = m->features.xsave;
  l.osxsave = m->features.osxsave;
  r.hexnum(x, p, "xcr0", &m->xcr0);
  m->xinuse.reset();
  if (!x.contains("xinuse")) {
    r.fail(p + ".xinuse", "missing");
  } else if (!x["xinuse"].is_null()) {
    uint64_t v = 0;
    r.hexnum(x, p, "xinuse", &v);
    m->xinuse = v;
  }
  r.hexnum(x, p, "supported_user", &l.supported_user);
  r.hexnum(x, p, "supported_supervisor", &l.supported_supervisor);
  r.number(x, p, "size_enabled", &l.size_enabled);
  r.number(x, p, "size_max", &l.size_max);
  r.number(x, p, "size_compacted_enabled", &l.size_compacted_enabled);
  r.boolean(x, p, "xsaveopt", &l.xsaveopt);
  r.boolean(x, p, "xsavec", &l.xsavec);
  r.boolean(x, p, "xgetbv1", &l.xgetbv1);
  r.boolean(x, p, "xsaves", &l.xsaves);
  r.boolean(x, p, "xfd", &l.xfd);
  r.hexnum(x, p, "mxcsr_mask", &m->mxcsr_mask);
  r.hexnum(x, p, "xcomp_supp", &m->xcomp_supp);
  r.hexnum(x, p, "xcomp_perm", &m->xcomp_perm);
  const json* components = r.array(x, p, "components");
  if (!components) return;
  for (size_t i = 0; i < components->size() && r.ok(); ++i) {
    const std::string cp = fmt::format("{}.components[{}]", p, i);
    const json& c = (*components)[i];
    if (!c.is_object()) return r.fail(cp, "expected an object");
    XsaveComponentInfo info;
    r.number(c, cp, "index", &info.index);
    r.number(c, cp, "size", &info.size);
    r.number(c, cp, "offset", &info.offset);
    r.boolean(c, cp, "supervisor", &info.supervisor);
    r.boolean(c, cp, "align64", &info.align64);
    r.boolean(c, cp, "xfd", &info.xfd);
    if (!r.ok()) return;
    if (info.index >= 64) return r.fail(cp + ".index", "expected a component index below 64");
    if (info.size == 0) return r.fail(cp + ".size", "expected a non-zero size");
    l.components[info.index] = info;
  }
}

void read_frame(Reader& r, const json& f, SignalFrameFacts* out) {
  const std::string p = "machine.signal_frame";
  r.boolean(f, p, "measured", &out->measured);
  r.str(f, p, "error", &out->error);
  r.number(f, p, "frame_size", &out->frame_size);
  r.number(f, p, "footprint", &out->footprint);
  r.boolean(f, p, "has_xstate_magic", &out->has_xstate_magic);
  r.number(f, p, "xstate_size", &out->xstate_size);
  r.number(f, p, "extended_size", &out->extended_size);
  r.hexnum(f, p, "xfeatures", &out->xfeatures);
  r.hexnum(f, p, "xstate_bv", &out->xstate_bv);
  r.hexnum(f, p, "xcomp_bv", &out->xcomp_bv);
}

void read_platform(Reader& r, const json& j, PlatformCapabilities* p) {
  const std::string path = "machine.platform";
  r.boolean(j, path, "probed", &p->probed);
  if (const json* caps = r.object(j, path, "capabilities"))
    for (const CapabilityField& f : capability_fields()) {
      const std::string cp = path + ".capabilities";
      const json* c = r.object(*caps, cp, f.name);
      if (!c) return;
      std::string state;
      r.str(*c, cp + "." + f.name, "state", &state);
      r.str(*c, cp + "." + f.name, "detail", &(p->*f.member).detail);
      if (r.ok() && !parse_capability_state(state, &(p->*f.member).state))
        return r.fail(cp + "." + f.name + ".state", "expected unprobed, works, broken or refused");
    }
  r.real(j, path, "delivery_ns", &p->delivery_ns);
  r.real(j, path, "syscall_ns", &p->syscall_ns);
  r.real(j, path, "handler_delay_ns", &p->handler_delay_ns);
  if (const json* c = r.object(j, path, "clock")) {
    r.str(*c, path + ".clock", "source", &p->clock.source);
    r.number(*c, path + ".clock", "resolution_ns", &p->clock.resolution_ns);
    r.number(*c, path + ".clock", "step_ns", &p->clock.step_ns);
  }
  r.number(j, path, "online_cpus", &p->online_cpus);
  r.number(j, path, "allowed_cpus", &p->allowed_cpus);
}

}  // namespace

bool platform_from_json(const json& j, PlatformCapabilities* p, std::string* error) {
  Reader r(error);
  *p = PlatformCapabilities{};
  if (!j.is_object()) {
    r.fail("machine.platform", "expected an object");
    return false;
  }
  read_platform(r, j, p);
  return r.ok();
}

bool signal_frame_from_json(const json& j, SignalFrameFacts* out, std::string* error) {
  Reader r(error);
  *out = SignalFrameFacts{};
  if (!j.is_object()) {
    r.fail("machine.signal_frame", "expected an object");
    return false;
  }
  read_frame(r, j, out);
  return r.ok();
}

bool machine_from_json(const json& j, Machine* m, std::string* error) {
  Reader r(error);
  *m = Machine{};
  if (!j.is_object()) {
    r.fail("machine", "expected an object");
    return false;
  }
  const std::string p = "machine";
  if (const json* cpu = r.object(j, p, "cpu")) read_cpu(r, *cpu, m);
  if (const json* leaves = r.array(j, p, "cpuid")) read_cpuid(r, *leaves, m);
  if (const json* x = r.object(j, p, "xsave")) read_xsave(r, *x, m);
  if (const json* a = r.object(j, p, "auxv")) {
    r.hexnum(*a, p + ".auxv", "hwcap", &m->auxv.hwcap);
    r.hexnum(*a, p + ".auxv", "hwcap2", &m->auxv.hwcap2);
    r.boolean(*a, p + ".auxv", "fsgsbase", &m->auxv.hwcap2_fsgsbase);
    r.number(*a, p + ".auxv", "minsigstksz", &m->auxv.minsigstksz);
  }
  if (const json* f = r.object(j, p, "signal_frame")) read_frame(r, *f, &m->frame);
  if (const json* os = r.object(j, p, "os")) {
    r.str(*os, p + ".os", "sysname", &m->os.sysname);
    r.str(*os, p + ".os", "release", &m->os.release);
    r.str(*os, p + ".os", "version", &m->os.version);
    r.str(*os, p + ".os", "machine", &m->os.machine);
  }
  if (const json* libc = r.object(j, p, "libc")) {
    r.str(*libc, p + ".libc", "name", &m->os.libc_name);
    r.str(*libc, p + ".libc", "version", &m->os.libc_version);
  }
  if (const json* e = r.object(j, p, "environment")) {
    const std::string ep = p + ".environment";
    r.boolean(*e, ep, "hypervisor", &m->env.hypervisor);
    r.str(*e, ep, "hypervisor_vendor", &m->env.hypervisor_vendor);
    r.boolean(*e, ep, "qemu_user", &m->env.qemu_user);
    r.boolean(*e, ep, "valgrind", &m->env.valgrind);
    r.boolean(*e, ep, "ptraced", &m->env.ptraced);
    r.number(*e, ep, "tracer_pid", &m->env.tracer_pid);
    r.str(*e, ep, "emulator_path", &m->env.emulator_path);
    // Result files from before the sandboxes were recognised lack these.
    if (e->contains("gvisor")) r.boolean(*e, ep, "gvisor", &m->env.gvisor);
    if (e->contains("uml")) r.boolean(*e, ep, "uml", &m->env.uml);
    if (e->contains("hypervisor_name")) r.str(*e, ep, "hypervisor_name", &m->env.hypervisor_name);
    if (e->contains("kernel_hypervisor"))
      r.str(*e, ep, "kernel_hypervisor", &m->env.kernel_hypervisor);
  }
  // ... and the platform's capabilities: absent, they read as never probed.
  if (j.contains("platform"))
    if (const json* p = r.object(j, "machine", "platform")) read_platform(r, *p, &m->platform);
  return r.ok();
}

}  // namespace sigctx
