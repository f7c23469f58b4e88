#include "signal/amx_rules_case.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <memory>

#include "base/tied_fork.h"
#include "engine/altstack.h"
#include "xstate/component_registry.h"
#include "xstate/components/amx.h"
#include "xstate/components/common.h"
#include "xstate/diff.h"

extern "C" void sigctx_amx_tiledata_load(sigctx::CpuImage*);
extern "C" void sigctx_amx_tiledata_store(sigctx::CpuImage*);

namespace sigctx {
namespace {

constexpr unsigned kXtiledata = kXfeatureXtiledata;

bool holds_tiles() {
  return (current_xcomp_perm() >> kXtiledata) & 1;
}

// Exit codes of the child that uses the tiles.
constexpr int kTilesRoundTripped = 0;
constexpr int kTilesDiffered = 5;
constexpr int kNoPermissionInChild = 6;

// Forks a child that loads a tile pattern and stores it back. Returns the wait status.
int use_tiles_in_child(const Machine& m, bool check_inherited) {
  auto in = std::make_unique<CpuImage>(), out = std::make_unique<CpuImage>();
  in->clear();
  out->clear();
  component(ComponentId::kAmxTiledata).fill(*in, m, {0x7a, kRoleMain, 1}, Shape::kLanes);
  const pid_t pid = fork_tied_to_parent();
  if (pid == 0) {
    if (check_inherited && !holds_tiles()) _exit(kNoPermissionInChild);
    sigctx_amx_tiledata_load(in.get());
    sigctx_amx_tiledata_store(out.get());
    _exit(images_equal(*in, *out, component_bit(ComponentId::kAmxTiledata), m) ? kTilesRoundTripped
                                                                               : kTilesDiffered);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return status;
}

std::string describe_status(int status) {
  if (status == -1) return "fork or waitpid failed";
  if (WIFSIGNALED(status)) return fmt::format("killed by {}", strsignal(WTERMSIG(status)));
  switch (WEXITSTATUS(status)) {
    case kTilesRoundTripped:
      return "tiles loaded and stored back";
    case kTilesDiffered:
      return "tiles stored back differ from those loaded";
    case kNoPermissionInChild:
      return "ARCH_GET_XCOMP_PERM in the child lacks bit 18";
  }
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

bool held_before(CaseResult& r) {
  if (!holds_tiles()) return false;
  r.status = Status::kError;
  r.reason = "the case's process already holds AMX permission before asking for it";
  return true;
}

void run_permission_case(const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  if (held_before(r)) return;
  const int before = use_tiles_in_child(m, false);
  r.facts["without_permission"] = describe_status(before);
  if (!(WIFSIGNALED(before) && WTERMSIG(before) == SIGILL))
    r.findings.push_back({"amx.sigill_without_permission",
                          "a tile instruction before ARCH_REQ_XCOMP_PERM must raise SIGILL "
                          "(the kernel arms XFD for tile data until the process asks)",
                          "killed by SIGILL", describe_status(before)});
  if (const int err = request_xcomp_permission(kXtiledata)) {
    r.findings.push_back({"amx.request",
                          "ARCH_REQ_XCOMP_PERM for tile data failed although "
                          "ARCH_GET_XCOMP_SUPP offers it",
                          "0", fmt::format("-1, {}", std::strerror(err))});
  } else {
    r.facts["xcomp_perm"] = fmt::format("{:#x}", current_xcomp_perm());
    if (!holds_tiles())
      r.findings.push_back({"amx.perm", "ARCH_GET_XCOMP_PERM lacks bit 18 after the request",
                            "bit 18 set", fmt::format("{:#x}", current_xcomp_perm())});
    const int after = use_tiles_in_child(m, true);
    r.facts["with_permission_in_forked_child"] = describe_status(after);
    if (!WIFEXITED(after) || WEXITSTATUS(after) != kTilesRoundTripped)
      r.findings.push_back({"amx.fork_inherits_permission",
                            "a forked child inherits the permission and can use its tiles",
                            "tiles loaded and stored back", describe_status(after)});
  }
  r.injections = 2;
  r.set_verdict();
}

void run_altstack_case(const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  if (held_before(r)) return;
  // Big enough for any frame without tile data, too small for one with it: Linux computes
  // AT_MINSIGSTKSZ for every feature XCR0 enables, tile data included, so take its size off.
  const size_t tiles = m.xsave.component(kXtiledata).size;
  const size_t small = std::max<size_t>(
      kKernelMinSigStkSz, m.auxv.minsigstksz > tiles + kKernelMinSigStkSz
                              ? m.auxv.minsigstksz - tiles
                              : m.xsave.standard_size(m.xcr0 & ~(1ull << kXtiledata)) + 1024);
  GuardedAltstack stack(small);
  if (!stack.ok() || !stack.install()) {
    return r.set_error(fmt::format("sigaltstack of {} bytes failed before any AMX permission: {}",
                                   small, std::strerror(errno)));
  }
  r.facts["small_altstack"] = small;
  if (const int refused = request_xcomp_permission(kXtiledata); !refused) {
    r.findings.push_back({"amx.request_with_small_altstack",
                          "ARCH_REQ_XCOMP_PERM must fail while the current sigaltstack cannot "
                          "hold a frame with tile data",
                          "-1 (ENOSPC)", fmt::format("0: granted with a {}-byte stack", small)});
  } else {
    r.facts["request_with_small_altstack"] = std::strerror(refused);
    GuardedAltstack::disable();
    if (const int err = request_xcomp_permission(kXtiledata)) {
      r.findings.push_back({"amx.request", "ARCH_REQ_XCOMP_PERM failed without a sigaltstack", "0",
                            fmt::format("-1, {}", std::strerror(err))});
    } else if (stack.install()) {
      r.findings.push_back({"amx.sigaltstack_after_permission",
                            "with AMX permitted, sigaltstack(2) must refuse a stack too small "
                            "for a frame with tile data",
                            "-1 (ENOMEM)", fmt::format("0: {} bytes accepted", small)});
    } else {
      r.facts["sigaltstack_after_permission"] = std::strerror(errno);
    }
  }
  const size_t floor = smallest_accepted_altstack();
  r.facts["sigaltstack_floor"] = floor;
  r.facts["minsigstksz"] = m.auxv.minsigstksz;
  GuardedAltstack::disable();
  r.injections = 3;
  r.set_verdict();
}

CaseDescriptor amx_case(std::string name, std::string description,
                        void (*run)(const CaseContext&, CaseResult&)) {
  CaseDescriptor d;
  d.id = "signal/amx/" + name;
  d.description = std::move(description);
  d.transition = "signal/amx";
  d.handler = "none";
  d.injector = "arch_prctl and sigaltstack in the case's process, tiles in a forked child";
  d.routine = "sigctx_amx_tiledata_load";
  d.components = component_bit(ComponentId::kAmxTilecfg) | component_bit(ComponentId::kAmxTiledata);
  d.prepares_components_itself = true;
  d.applicable = [](const Machine& m) {
    const Availability a = amx_state_available(m);
    return a.ok ? a : Availability::no(fmt::format("amx_tiledata: {}", a.reason));
  };
  d.run = run;
  return d;
}

}  // namespace

std::vector<CaseDescriptor> amx_rules_cases() {
  std::vector<CaseDescriptor> out;
  out.push_back(amx_case("permission",
                         "AMX tile instructions raise SIGILL until the process asks with "
                         "arch_prctl(ARCH_REQ_XCOMP_PERM); then tiles load and store back, and "
                         "a forked child inherits the permission",
                         run_permission_case));
  CaseDescriptor alt = amx_case(
      "altstack",
      "ARCH_REQ_XCOMP_PERM is refused while the sigaltstack is too small for a frame with tile "
      "data, and once granted sigaltstack(2) refuses such a stack (the floor it then enforces is "
      "recorded beside AT_MINSIGSTKSZ)",
      run_altstack_case);
  alt.guards = {"linux-altstack-overflow"};
  out.push_back(std::move(alt));
  return out;
}

}  // namespace sigctx
