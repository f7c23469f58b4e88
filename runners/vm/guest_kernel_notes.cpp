#include "runners/vm/guest_kernel_notes.h"

#include <fmt/format.h>

namespace sigctx {

namespace {

const nlohmann::json& member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kNone = nlohmann::json::object();
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kNone;
}

std::string capability_detail(const nlohmann::json& platform, const char* name, const char* state) {
  const nlohmann::json& c = member(member(platform, "capabilities"), name);
  return c.value("state", "") == state ? c.value("detail", "") : "";
}

}  // namespace

std::vector<std::string> guest_kernel_notes(const RunResult& guest, unsigned smp_asked) {
  std::vector<std::string> notes;
  const nlohmann::json& platform = member(guest.machine, "platform");
  const unsigned online = platform.value("online_cpus", 0u);
  if (online > 0 && online < smp_asked)
    notes.push_back(fmt::format(
        "the guest brought up {} of the {} CPUs asked for: CONFIG_SMP, and CONFIG_ACPI (QEMU "
        "describes its CPUs in ACPI tables); the cases that need two CPUs skip",
        online, smp_asked));
  const nlohmann::json& clock = member(platform, "clock");
  const uint64_t step = clock.value("step_ns", uint64_t{0});
  if (clock.value("source", "") == "jiffies" || step >= 1000000)
    notes.push_back(fmt::format(
        "its clock moves in steps of {:.1f} ms (clock source {}): a finer clock source "
        "(CONFIG_X86_TSC, CONFIG_HPET_TIMER, CONFIG_ACPI for the PM timer); timing is calibrated "
        "to it, at the cost of longer calibrations",
        static_cast<double>(step) / 1e6, clock.value("source", std::string("unknown"))));
  if (capability_detail(platform, "perf_events", "refused").find("Function not implemented") !=
      std::string::npos)
    notes.push_back(
        "perf_event_open is not implemented: CONFIG_PERF_EVENTS (and CONFIG_HAVE_HW_BREAKPOINT); "
        "the hwbp cases and the storms' task-clock phase skip");
  if (capability_detail(platform, "core_dumps", "refused").find("core_pattern is empty") !=
      std::string::npos)
    notes.push_back(
        "there is no core_pattern: CONFIG_COREDUMP and CONFIG_PROC_SYSCTL; the core cases skip");
  for (const CaseResult& c : guest.cases)
    if (c.status == Status::kSkip && c.reason.find("CONFIG_ADVISE_SYSCALLS") != std::string::npos) {
      notes.push_back(
          "madvise(2) is not implemented: CONFIG_ADVISE_SYSCALLS; the os-zero cases "
          "of MADV_DONTNEED and MADV_FREE skip");
      break;
    }
  return notes;
}

}  // namespace sigctx
