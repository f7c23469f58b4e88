// Small pieces every signal-based case engine needs.
#pragma once

#include <sys/mman.h>
#include <sys/types.h>

#include <cstdint>
#include <new>
#include <string>

#include "engine/fault.h"
#include "model/case_result.h"
#include "xstate/component.h"
#include "xstate/diff.h"
#include "xstate/image.h"

namespace sigctx {

// FS and GS base: Linux's frame does not carry them and sigreturn does not restore them, so a
// handler never irritates them.
constexpr ComponentMask kSegmentBases =
    component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase);

// The components of mask that the signal frame carries.
ComponentMask in_signal_frame(ComponentMask mask);

// This thread's GS and FS base (arch_prctl), which hold images put back after reading them.
uint64_t current_gsbase();
uint64_t current_fsbase();

// How a forked grandchild (a delivery that may kill its process) ended.
// A T constructed in anonymous shared memory, which forked children write and the case reads
// after they end; nullptr (errno set) when mmap fails. A case's process is short-lived, so
// most never unmap it.
template <typename T>
T* map_shared() {
  void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : new (p) T();
}

enum class GrandchildEnd { kExitedZero, kSegv, kOther };
// Waits up to timeout_ms for pid, killing it after that; for kOther, *detail says how it ended.
GrandchildEnd wait_for_grandchild(pid_t pid, int timeout_ms, std::string* detail);

// Where in the hold driver a transition happens: a label inside sigctx_hold.
InjectionPoint hold_injection_point(const char* label);

// The status a case's diffs and findings give: fail or pass. Under --inject-fault a case that
// found nothing is an error instead: the fault could not show (a register the case does not
// compare, such as an x87 register beyond the pattern's stack depth), never a pass.
void set_final_status(const FaultSpec& fault, CaseResult& r);

// Whether the platform gives a case what it needs (probes/capabilities.h): usable, or no with
// the probe's finding, which names the platform/ case that reports it.
Availability platform_allows(const Machine& m, Capability PlatformCapabilities::*what);
// The probe's finding about `what`, as a skip reason names it.
std::string platform_finding(const Machine& m, Capability PlatformCapabilities::*what);

// A switch case whose witnesses (its units' marks and getrusage) saw no switch could not decide:
// an error where getrusage is known to count switches, else a skip naming the platform finding
// (platform/rusage-switches). `what` says what was not seen.
void no_switch_seen(const Machine& m, const std::string& what, CaseResult& r);

// Makes the hold's SYSCALL a tgkill(pid, tid, sig).
void set_tgkill_args(CpuImage& img, pid_t pid, pid_t tid, int sig);

}  // namespace sigctx
