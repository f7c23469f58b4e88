#include "engine/case_support.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>
#include <thread>

#include "engine/hold.h"
#include "xstate/component_registry.h"
#include "xstate/disasm.h"

namespace sigctx {

ComponentMask in_signal_frame(ComponentMask mask) {
  ComponentMask out = 0;
  for (const ComponentDescriptor* c : all_components())
    if ((mask & component_bit(c->id)) && c->in_signal_frame) out |= component_bit(c->id);
  return out;
}

GrandchildEnd wait_for_grandchild(pid_t pid, int timeout_ms, std::string* detail) {
  int status = 0;
  for (int waited_ms = 0;; waited_ms += 2) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (waited_ms > timeout_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      *detail = fmt::format("hung for {} ms", timeout_ms);
      return GrandchildEnd::kOther;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return GrandchildEnd::kExitedZero;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) return GrandchildEnd::kSegv;
  *detail = WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status))
                                : fmt::format("exited with status {}", WEXITSTATUS(status));
  return GrandchildEnd::kOther;
}

InjectionPoint hold_injection_point(const char* label) {
  InjectionPoint p;
  p.routine = "sigctx_hold";
  p.offset = static_cast<uint64_t>(label - reinterpret_cast<const char*>(&sigctx_hold));
  p.instruction = disassemble_one(label);
  return p;
}

std::string platform_finding(const Machine& m, Capability PlatformCapabilities::*what) {
  return capability_skip_reason(capability_field(what), m.platform.*what);
}

Availability platform_allows(const Machine& m, Capability PlatformCapabilities::*what) {
  if ((m.platform.*what).usable()) return Availability::yes();
  return Availability::no(platform_finding(m, what));
}

void no_switch_seen(const Machine& m, const std::string& what, CaseResult& r) {
  const bool counted = m.platform.rusage_switches.works();
  r.status = counted ? Status::kError : Status::kSkip;
  r.reason = what;
  if (!counted)
    r.reason += " (" + platform_finding(m, &PlatformCapabilities::rusage_switches) + ")";
}

void set_tgkill_args(CpuImage& img, pid_t pid, pid_t tid, int sig) {
  img.gpr[kRax] = SYS_tgkill;
  img.gpr[kRdi] = static_cast<uint64_t>(pid);
  img.gpr[kRsi] = static_cast<uint64_t>(tid);
  img.gpr[kRdx] = static_cast<uint64_t>(sig);
}

uint64_t current_fsbase() {
  uint64_t fs = 0;
  syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs);
  return fs;
}

uint64_t current_gsbase() {
  uint64_t gs = 0;
  syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs);
  return gs;
}

void set_final_status(const FaultSpec& fault, CaseResult& r) {
  r.set_verdict();
  if (fault.active && !r.failed()) {
    r.status = Status::kError;
    r.reason = fmt::format(
        "--inject-fault {} cannot show here: the case does not compare that register (an x87 "
        "register beyond the pattern's stack depth?)",
        fault.spec);
  }
}

}  // namespace sigctx
