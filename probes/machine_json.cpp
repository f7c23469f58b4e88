#include <fmt/format.h>

#include "probes/machine.h"

namespace sigctx {

namespace {
std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }
}  // namespace

nlohmann::json machine_to_json(const Machine& m) {
  nlohmann::json j;
  j["cpu"] = {{"vendor", m.identity.vendor},     {"brand", m.identity.brand},
              {"family", m.identity.family},     {"model", m.identity.model},
              {"stepping", m.identity.stepping}, {"codename", m.identity.codename}};
  j["xsave"] = {{"xcr0", hex(m.xcr0)}};
  j["xsave"]["xinuse"] = m.xinuse ? nlohmann::json(hex(*m.xinuse)) : nullptr;
  j["os"] = {{"sysname", m.os.sysname}, {"release", m.os.release}, {"version", m.os.version}};
  j["libc"] = {{"name", m.os.libc_name}, {"version", m.os.libc_version}};
  j["environment"] = {{"hypervisor", m.env.hypervisor},
                      {"hypervisor_vendor", m.env.hypervisor_vendor},
                      {"qemu_user", m.env.qemu_user},
                      {"valgrind", m.env.valgrind},
                      {"ptraced", m.env.ptraced}};
  return j;
}

std::string machine_to_text(const Machine& m) { return m.summary_line() + "\n"; }

}  // namespace sigctx
