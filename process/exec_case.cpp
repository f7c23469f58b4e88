// How the exec case runs. The case forks a child that maps the embedded helper into a memfd,
// puts a record memfd on fd 3, loads its pattern (process 0's) into the components of the
// variant and makes execve a system call of the hold itself, so no compiled code runs between
// the load and the exec. The helper's record comes back through fd 3. Expected, on Linux:
//   - every GPR zero but rsp (start_thread and ELF_PLAT_INIT clear them; the psABI leaves
//     them open except rdx, 0 for "no atexit function", and rsp, 16-byte aligned at argc);
//   - RFLAGS 0x202 (IF and the reserved bit; no arithmetic flag, DF or AC);
//   - x87 in its FNINIT state (FCW 0x37f, FSW 0, every tag empty) and every ST register zero
//     underneath its empty tag, MXCSR 0x1f80, XMM, YMM, ZMM and opmask registers zero;
//   - PKRU Linux's init_pkru_value (0x55555554: every key but 0 access-disabled), or what
//     debugfs x86/init_pkru says;
//   - FS and GS base zero: no TLS exists before the program sets one up.
// A value from the exec'ing process anywhere is classified as process 0's.
#include "process/exec_case.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "base/tied_fork.h"
#include "engine/case_support.h"
#include "engine/hold.h"
#include "engine/switch_variants.h"
#include "process/exec_record.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"
#include "xstate/xsave_area.h"

extern "C" const char sigctx_exec_helper_start[];
extern "C" const char sigctx_exec_helper_end[];

namespace sigctx {

namespace {

constexpr int kChildTimeoutMs = 5000;
constexpr uint64_t kInitialRflags = 0x202;
constexpr uint32_t kLinuxInitPkru = 0x55555554;
#ifndef MFD_EXEC
constexpr unsigned MFD_EXEC = 0x10;  // Linux 6.3: executable even under vm.memfd_noexec=1
#endif

struct alignas(64) ExecRecord {
  uint8_t bytes[EXEC_REC_SIZE];
  uint64_t word(size_t at) const {
    uint64_t v;
    std::memcpy(&v, bytes + at, 8);
    return v;
  }
};

// What the exec'ing child reports when execve itself failed (the hold returned).
struct ExecShared {
  int64_t exec_result = 0;
  bool exec_returned = false;
};

// Linux's PKRU for a new program, and where that value came from.
uint32_t linux_init_pkru(std::string* from) {
  std::ifstream f("/sys/kernel/debug/x86/init_pkru");
  std::string text;
  if (f >> text) {
    try {
      *from = "debugfs x86/init_pkru";
      return static_cast<uint32_t>(std::stoul(text, nullptr, 0));
    } catch (...) {
    }
  }
  *from = "Linux's init_pkru_value";
  return kLinuxInitPkru;
}

// The initial state the exec'd program must see, for the available components.
void expected_initial_state(CpuImage& e, ComponentMask available, uint32_t pkru) {
  e.clear();
  for (const ComponentDescriptor* c : all_components())
    if ((available & component_bit(c->id)) && c->init) c->init(e);
  for (uint64_t& g : e.gpr)
    g = 0;
  e.rflags = kInitialRflags;
  e.fsbase = e.gsbase = 0;
  if (available & component_bit(ComponentId::kPkru)) e.pkru = pkru;
}

// The record as an image; false with *why when a component cannot be read from it.
bool observed_state(ExecRecord& rec, const Machine& m, ComponentMask available, CpuImage& o,
                    std::string* why) {
  o.clear();
  for (unsigned r = 0; r < 16; ++r)
    o.gpr[r] = rec.word(EXEC_REC_GPR + 8 * r);
  o.rflags = rec.word(EXEC_REC_RFLAGS);
  o.fsbase = rec.word(EXEC_REC_FSBASE);
  o.gsbase = rec.word(EXEC_REC_GSBASE);
  const bool xsave = rec.word(EXEC_REC_FLAGS) & EXEC_F_XSAVE;
  const size_t size = rec.word(EXEC_REC_AREA_SIZE) & 0xffffffff;
  const XsaveArea area(rec.bytes + EXEC_REC_AREA, size, xsave);
  for (const ComponentDescriptor* c : all_components()) {
    if (!(available & component_bit(c->id)) || c->xsave_index < 0) continue;
    std::string w;
    if (!area.read(*c, m, o, &w)) {
      *why = fmt::format("{}: {}", c->name, w);
      return false;
    }
  }
  return true;
}

// --inject-fault: the checker's mutation test. The record is changed as a kernel that left
// the exec'ing process's value (leak), a flipped bit or zero in one register would have left
// it. False with *why when the fault changes nothing here (zero on a register whose initial
// value is zero).
bool inject_record_fault(const FaultSpec& fault, const Machine& m, const CpuImage& exec_pattern,
                         CpuImage& observed, std::string* why) {
  auto before = std::make_unique<CpuImage>(observed);
  apply_fault_to_image(fault, m, observed, exec_pattern);
  observed.gpr[kRsp] = before->gpr[kRsp];  // not compared: a fault there cannot show
  const bool changed = std::memcmp(before.get(), &observed, sizeof(CpuImage)) != 0;
  if (!changed) *why = "the fault leaves the recorded value as it was";
  return changed;
}

void run_exec_case(ComponentMask components, const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  const ComponentMask available = available_components(m);
  const ComponentMask loaded = (components ? components : available) & available;
  if (ctx.fault.active && ctx.fault.kind == FaultKind::kGuard) {
    return r.set_error("--inject-fault guard cannot show in an exec case: it has no signal stack");
  }
  const size_t helper_size = static_cast<size_t>(sigctx_exec_helper_end - sigctx_exec_helper_start);
  int helper = memfd_create("sigctx-exec-entry", MFD_CLOEXEC | MFD_EXEC);
  if (helper < 0 && errno == EINVAL) helper = memfd_create("sigctx-exec-entry", MFD_CLOEXEC);
  // Above fd 3, which the child's dup2 of the record replaces.
  if (helper >= 0 && helper <= EXEC_RECORD_FD) {
    const int moved = fcntl(helper, F_DUPFD_CLOEXEC, EXEC_RECORD_FD + 1);
    close(helper);
    helper = moved;
  }
  const int record_fd = memfd_create("sigctx-exec-record", MFD_CLOEXEC);
  auto* shared = map_shared<ExecShared>();
  if (helper < 0 || record_fd < 0 || !shared ||
      write(helper, sigctx_exec_helper_start, helper_size) != static_cast<ssize_t>(helper_size)) {
    return r.set_error(fmt::format("preparing the exec helper: {}", std::strerror(errno)));
  }
  const std::string path = fmt::format("/proc/self/fd/{}", helper);
  const char* argv[] = {"sigctx-exec-entry", nullptr};
  const char* envp[] = {nullptr};

  const uint16_t tag = seed_tag(ctx.seed);
  const PatternSource exec_source{tag, kRoleProcess0, 1};
  const PatternSource fresh_source{tag, kRoleMain, 1};
  auto in = std::make_unique<CpuImage>();
  auto out = std::make_unique<CpuImage>();
  in->clear();
  for (const ComponentDescriptor* c : all_components())
    if (loaded & component_bit(c->id)) c->fill(*in, m, exec_source, Shape::kLanes);
  // The pattern the fault and the classifier use: every component, whatever was loaded.
  auto exec_pattern = std::make_unique<CpuImage>(*in);
  for (const ComponentDescriptor* c : all_components())
    if (available & component_bit(c->id)) c->fill(*exec_pattern, m, exec_source, Shape::kLanes);
  in->host_fsbase = current_fsbase();
  in->host_gsbase = current_gsbase();
  // execve of /proc/self/fd/N, which every Linux and emulator implements; where /proc is not
  // mounted (a bare chroot or container), execveat(fd, "", AT_EMPTY_PATH) of the memfd itself.
  if (access(path.c_str(), F_OK) == 0) {
    in->gpr[kRax] = SYS_execve;
    in->gpr[kRdi] = reinterpret_cast<uint64_t>(path.c_str());
    in->gpr[kRsi] = reinterpret_cast<uint64_t>(argv);
    in->gpr[kRdx] = reinterpret_cast<uint64_t>(envp);
  } else {
    in->gpr[kRax] = SYS_execveat;
    in->gpr[kRdi] = static_cast<uint64_t>(helper);
    in->gpr[kRsi] = reinterpret_cast<uint64_t>("");
    in->gpr[kRdx] = reinterpret_cast<uint64_t>(argv);
    in->gpr[kR10] = reinterpret_cast<uint64_t>(envp);
    in->gpr[kR8] = AT_EMPTY_PATH;
  }
  const RoutineList loaders = loaders_for(m, loaded);
  const RoutineList stores = stores_for(m, loaded);
  HoldPlan hold;
  hold.action = PLAN_ACTION_SYSCALL;
  hold.loaders = loaders.data();
  hold.stores = stores.data();
  hold.options = default_hold_options(m);

  const pid_t parent = getpid();
  const pid_t child = static_cast<pid_t>(syscall(SYS_fork));
  if (child < 0) {
    return r.set_error(fmt::format("fork: {}", std::strerror(errno)));
  }
  if (child == 0) {
    if (!tie_to_parent(parent)) _exit(1);
    if (dup2(record_fd, EXEC_RECORD_FD) != EXEC_RECORD_FD) _exit(120);
    if (record_fd == EXEC_RECORD_FD) fcntl(EXEC_RECORD_FD, F_SETFD, 0);
    out->clear();
    out->host_fsbase = in->host_fsbase;
    out->host_gsbase = in->host_gsbase;
    sigctx_hold(in.get(), out.get(), &hold);
    // Only a failed execve comes back.
    shared->exec_result = static_cast<int64_t>(out->gpr[kRax]);
    shared->exec_returned = true;
    _exit(121);
  }
  std::string detail;
  const GrandchildEnd end = wait_for_grandchild(child, kChildTimeoutMs, &detail);
  if (shared->exec_returned) {
    const int err = static_cast<int>(-shared->exec_result);
    const bool refused = err == EACCES || err == EPERM;
    r.status = refused ? Status::kSkip : Status::kError;
    r.reason = fmt::format("execve of the helper from a memfd failed: {}{}", std::strerror(err),
                           refused ? " (vm.memfd_noexec or a security policy forbids it)" : "");
    return;
  }
  if (end != GrandchildEnd::kExitedZero) {
    return r.set_error(end == GrandchildEnd::kSegv ? "the exec helper was killed by SIGSEGV"
                                                   : fmt::format("the exec helper {}", detail));
  }
  auto rec = std::make_unique<ExecRecord>();
  const ssize_t got = pread(record_fd, rec->bytes, sizeof(rec->bytes), 0);
  if (got < EXEC_REC_AREA || std::memcmp(rec->bytes, "SIGCTXEX", 8) != 0 ||
      static_cast<size_t>(got) != EXEC_REC_AREA + (rec->word(EXEC_REC_AREA_SIZE) & 0xffffffff)) {
    return r.set_error(fmt::format("the exec helper's record is incomplete ({} bytes)", got));
  }
  ++r.injections;

  std::string pkru_from;
  const uint32_t init_pkru = linux_init_pkru(&pkru_from);
  auto expected = std::make_unique<CpuImage>();
  expected_initial_state(*expected, available, init_pkru);
  auto observed = std::make_unique<CpuImage>();
  std::string why;
  if (!observed_state(*rec, m, available, *observed, &why)) {
    return r.set_error("reading the exec helper's record: " + why);
  }
  if (ctx.fault.active && !inject_record_fault(ctx.fault, m, *exec_pattern, *observed, &why)) {
    return r.set_error(fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec, why));
  }

  ClassifyContext cls;
  cls.machine = &m;
  cls.expected = {fresh_source, Shape::kZero};
  cls.known = {{exec_source, Shape::kLanes}};
  DiffOptions o;
  o.checked = available;
  o.where = "at the exec'd program's entry point";
  o.injection = hold_injection_point(sigctx_hold_syscall);
  r.diffs = diff_images(*expected, *observed, m, o, cls);
  // The ST registers keep data under an empty tag; a new program's must all be zero.
  if (available & component_bit(ComponentId::kX87)) {
    auto exp_st = std::make_unique<CpuImage>(*observed);
    auto obs_st = std::make_unique<CpuImage>(*observed);
    std::memset(exp_st->x87_st, 0, sizeof(exp_st->x87_st));
    exp_st->x87_ftw = obs_st->x87_ftw = 0xff;
    o.checked = component_bit(ComponentId::kX87);
    o.where = "under an empty tag at the exec'd program's entry point";
    for (RegisterDiff& d : diff_images(*exp_st, *obs_st, m, o, cls))
      r.diffs.push_back(std::move(d));
  }
  const uint64_t rsp = rec->word(EXEC_REC_GPR + 8 * kRsp);
  if (auto f = check_entry_stack(rsp, rec->word(EXEC_REC_ARGC))) r.findings.push_back(*f);
  const uint64_t flags = rec->word(EXEC_REC_FLAGS);
  r.facts["xsave_area_bytes"] = rec->word(EXEC_REC_AREA_SIZE) & 0xffffffff;
  r.facts["xsave"] = (flags & EXEC_F_XSAVE) != 0;
  if (flags & EXEC_F_XINUSE)
    r.facts["xinuse_at_entry"] = xsave_mask_names(rec->word(EXEC_REC_XINUSE));
  if (flags & EXEC_F_XSAVE)
    r.facts["xstate_bv_at_entry"] = xsave_mask_names(
        XsaveArea(rec->bytes + EXEC_REC_AREA, rec->word(EXEC_REC_AREA_SIZE), true).xstate_bv());
  r.facts["pkru_expected"] = fmt::format("{:#x} ({})", init_pkru, pkru_from);
  r.facts["components_loaded"] = component_names(loaded);
  set_final_status(ctx.fault, r);
}

}  // namespace

std::optional<Finding> check_entry_stack(uint64_t rsp, uint64_t argc_at_rsp) {
  if (rsp % 16 == 0 && argc_at_rsp == 1) return std::nullopt;
  return Finding{"exec.entry_stack",
                 "at the entry point rsp must be 16-byte aligned and point at argc",
                 "rsp % 16 == 0, [rsp] == 1", fmt::format("rsp {:#x}, [rsp] {}", rsp, argc_at_rsp)};
}

std::vector<CaseDescriptor> exec_cases() {
  std::vector<CaseDescriptor> cases;
  for (const SwitchVariant& v : switch_variants()) {
    if (v.mixed) continue;
    const std::string held = held_description(v);
    CaseDescriptor d = make_switch_case(
        fmt::format("process/exec/{}", v.name),
        fmt::format("{} holds the exec'ing process's pattern across a raw execve; the new "
                    "program's first instruction must find the documented initial state in "
                    "every register and no value of the process that exec'd it",
                    held),
        {}, v);
    d.guards.clear();
    d.transition = "process/exec";
    d.handler = "none";
    d.injector = "raw execve syscall of a memfd helper";
    d.routine = "sigctx_hold, then sigctx_exec_entry";
    const ComponentMask mask = v.components;
    d.run = [mask](const CaseContext& ctx, CaseResult& r) { run_exec_case(mask, ctx, r); };
    cases.push_back(std::move(d));
  }
  return cases;
}

}  // namespace sigctx
