// How a core case runs. The case's child forks the crashing process, which moves into a fresh
// directory (where a relative core_pattern puts the file), raises RLIMIT_CORE, sets its
// coredump_filter to 0 (the register notes are always written; the memory is not needed),
// loads its pattern and raises SIGABRT with a raw tgkill from the hold. The signal is taken
// when that SYSCALL returns: rip is the instruction after it, rax holds tgkill's 0, and rcx and
// r11 are SYSCALL's. Every other register in every note must be the pattern's.
#include "core/core_case.h"

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <thread>

#include "base/exit_cleanup.h"
#include "base/tied_fork.h"
#include "core/core_file.h"
#include "core/core_reproducer.h"
#include "engine/case_support.h"
#include "engine/hold.h"
#include "engine/switch_variants.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"
#include "xstate/xsave_area.h"

namespace sigctx {

namespace {

constexpr int kTimeoutMs = 10000;
constexpr int kNoCoreLimit = 3;  // the crashing child's exit status when RLIMIT_CORE is 0

// pr_reg slots (user_regs_struct order) of the hardware-numbered GPRs.
constexpr unsigned kPrRegOfGpr[16] = {10, 11, 12, 5, 19, 4, 13, 14, 9, 8, 7, 6, 3, 2, 1, 0};
constexpr unsigned kPrRip = 16, kPrEflags = 18, kPrFsBase = 21, kPrGsBase = 22;

// The one regular file in dir, or empty.
std::string only_file_in(const std::string& dir) {
  std::string found;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_type == DT_REG) found = dir + "/" + e->d_name;
    closedir(d);
  }
  return found;
}

bool wait_status(pid_t pid, int* status, rusage* ru) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  for (;;) {
    if (wait4(pid, status, WNOHANG, ru) == pid) return true;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      wait4(pid, status, 0, ru);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Context switches of the crashing child before the load, written by the child into memory it
// shares with the parent; wait4 gives those of its whole life. The difference counts the
// switch-outs from just before the pattern was loaded to the end of the dump.
struct SwitchCount {
  long before_load = -1;
  int realtime_errno = -1;  // kRealtime: 0 when SCHED_FIFO took, else why not
};

long switches_of(const rusage& ru) {
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

// The crashing child; never returns. kAfterSleep loads PKRU's pattern and sleeps (a switch-out,
// at which Linux saves PKRU in the task) before the hold loads everything and dumps at once.
[[noreturn]] void crash_with_pattern(const std::string& dir, CpuImage* in, CpuImage* out,
                                     const HoldPlan* plan, CoreTiming timing,
                                     const RoutineList& pkru_loader, SwitchCount* count) {
  rlimit lim{};
  getrlimit(RLIMIT_CORE, &lim);
  if (lim.rlim_max == 0) _exit(kNoCoreLimit);
  lim.rlim_cur = lim.rlim_max;
  if (chdir(dir.c_str()) != 0 || setrlimit(RLIMIT_CORE, &lim) != 0) _exit(4);
  if (FILE* f = fopen("/proc/self/coredump_filter", "w")) {
    fputs("0", f);
    fclose(f);
  }
  prctl(PR_SET_DUMPABLE, 1);
  signal(SIGABRT, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGABRT);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  set_tgkill_args(*in, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), SIGABRT);
  if (timing == CoreTiming::kAfterSleep) {
    sigctx_run_routines(in, pkru_loader.data());
    usleep(20000);
  }
  if (timing == CoreTiming::kRealtime) {
    // No ordinary task can preempt it between the load and the dump.
    const sched_param top{sched_get_priority_max(SCHED_FIFO)};
    count->realtime_errno = sched_setscheduler(0, SCHED_FIFO, &top) == 0 ? 0 : errno;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  count->before_load = switches_of(ru);
  sigctx_hold(in, out, plan);
  _exit(5);  // SIGABRT did not end it
}

struct Note {
  const char* name;
  ComponentMask holds;
};

// One crashing child and its core file's notes.
struct DumpAttempt {
  Status status = Status::kPass;  // kPass: notes read; otherwise why not, in `reason`
  std::string reason;
  pid_t pid = 0;
  CoreNotes notes;
  uint64_t core_bytes = 0;
  long switch_outs = -1;  // from the load to the end of the dump; -1: unknown
};

DumpAttempt dump_once(const std::string& dir, const std::string& pattern, CpuImage* in,
                      CpuImage* out, const HoldPlan& hold, CoreTiming timing,
                      const RoutineList& pkru_loader, SwitchCount* count) {
  DumpAttempt a;
  count->before_load = -1;
  a.pid = fork_tied_to_parent();
  if (a.pid < 0) {
    a.status = Status::kError;
    a.reason = fmt::format("fork: {}", std::strerror(errno));
    return a;
  }
  if (a.pid == 0) crash_with_pattern(dir, in, out, &hold, timing, pkru_loader, count);
  int status = 0;
  rusage ru{};
  const bool ended = wait_status(a.pid, &status, &ru);
  if (ended && count->before_load >= 0) a.switch_outs = switches_of(ru) - count->before_load;
  const std::string core = only_file_in(dir);
  if (ended && WIFEXITED(status) && WEXITSTATUS(status) == kNoCoreLimit) {
    a.status = Status::kSkip;
    a.reason = "RLIMIT_CORE's hard limit is 0 here: no core file can be written";
  } else if (!ended || !WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
    a.status = Status::kError;
    a.reason = fmt::format("the crashing child did not end by SIGABRT (status {:#x})", status);
  } else if (!WCOREDUMP(status) || core.empty()) {
    a.status = Status::kError;
    a.reason = fmt::format(
        "SIGABRT ended the child but no core file appeared in {} (core_pattern \"{}\"; a size "
        "limit or a dump filter?)",
        dir, pattern);
  } else if (!read_core_notes(core, a.pid, &a.notes, &a.reason)) {
    a.status = Status::kError;
  } else {
    struct stat st {};
    stat(core.c_str(), &st);
    a.core_bytes = static_cast<uint64_t>(st.st_size);
  }
  if (!core.empty()) unlink(core.c_str());
  return a;
}

// Whether the NT_X86_XSTATE note holds the PKRU the process loaded.
bool note_pkru_is(const CoreNotes& notes, const Machine& m, uint32_t pkru) {
  auto view = std::make_unique<CpuImage>();
  view->clear();
  const XsaveArea area(const_cast<uint8_t*>(notes.xstate.data()), notes.xstate.size(), true);
  std::string why;
  return area.read(component(ComponentId::kPkru), m, *view, &why) && view->pkru == pkru;
}

// The dump to judge. kAtOnce and kAfterSleep take the first; kRealtime dumps again (at most 8
// times) until one shows a PKRU other than the loaded one, so a kernel with
// linux-coredump-pkru-stale fails unless every dump was switched out at the one moment that
// hides it.
DumpAttempt dump_for_timing(const std::string& dir, const std::string& pattern, CpuImage* in,
                            CpuImage* out, const HoldPlan& hold, CoreTiming timing,
                            const Machine& m, CaseResult& r) {
  const RoutineList pkru_loader =
      loaders_for(m, component_bit(ComponentId::kPkru) & available_components(m));
  void* shared =
      mmap(nullptr, sizeof(SwitchCount), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  SwitchCount local;
  SwitchCount* count = shared == MAP_FAILED ? &local : new (shared) SwitchCount;
  constexpr unsigned kRealtimeDumps = 8;
  const unsigned tries = timing == CoreTiming::kRealtime ? kRealtimeDumps : 1;
  DumpAttempt a;
  nlohmann::json per_dump = nlohmann::json::array();
  for (unsigned i = 0; i < tries; ++i) {
    a = dump_once(dir, pattern, in, out, hold, timing, pkru_loader, count);
    per_dump.push_back(a.switch_outs);
    if (a.status != Status::kPass || !note_pkru_is(a.notes, m, in->pkru)) break;
  }
  // Switch-outs from the load to the end of each dump (getrusage): the dump's own file writes
  // may sleep after the notes are taken, so a count above 0 does not mean the window had one.
  r.facts["switch_outs"] = per_dump.size() == 1 ? per_dump[0] : per_dump;
  if (timing == CoreTiming::kRealtime)
    r.facts["realtime"] = count->realtime_errno == 0
                              ? std::string("SCHED_FIFO")
                              : fmt::format("not granted ({}): ordinary priority",
                                            std::strerror(count->realtime_errno));
  if (timing == CoreTiming::kAfterSleep) r.facts["slept_after_load_ms"] = 20;
  if (shared != MAP_FAILED) munmap(shared, sizeof(SwitchCount));
  return a;
}

void run_core_case(ComponentMask components, CoreTiming timing, const CaseContext& ctx,
                   CaseResult& r) {
  const Machine& m = ctx.machine;
  const ComponentMask available = available_components(m);
  const ComponentMask loaded = (components ? components : available) & available;
  const std::string pattern = read_core_pattern();
  const std::string unusable = core_pattern_unusable(pattern);
  if (!unusable.empty()) {
    r.status = Status::kSkip;
    r.reason = unusable;
    return;
  }
  if (ctx.fault.active &&
      (ctx.fault.kind == FaultKind::kGuard || !(loaded & component_bit(ctx.fault.component)))) {
    return r.set_error(
        fmt::format("--inject-fault {} cannot show here: the case does not hold that "
                    "component in a core file",
                    ctx.fault.spec));
  }
  // In $TMPDIR, and gone however the run ends: a run killed while a core is written once left
  // the directory behind.
  std::string why_not;
  const std::string dir = make_temporary_directory("sigctx-core-", &why_not);
  if (dir.empty()) {
    return r.set_error(why_not);
  }
  const uint16_t tag = seed_tag(ctx.seed);
  const PatternSource own{tag, kRoleMain, 1},
      other{tag, static_cast<uint8_t>(kRoleProcess0 + 1), 1};
  auto in = std::make_unique<CpuImage>();
  auto out = std::make_unique<CpuImage>();
  auto other_img = std::make_unique<CpuImage>();
  in->clear();
  other_img->clear();
  for (const ComponentDescriptor* c : all_components())
    if (loaded & component_bit(c->id)) {
      c->fill(*in, m, own, Shape::kLanes);
      c->fill(*other_img, m, other, Shape::kLanes);
    }
  in->host_fsbase = current_fsbase();
  in->host_gsbase = current_gsbase();
  out->clear();
  const RoutineList loaders = loaders_for(m, loaded);
  const RoutineList stores = stores_for(m, loaded);
  HoldPlan hold;
  hold.action = PLAN_ACTION_SYSCALL;
  hold.loaders = loaders.data();
  hold.stores = stores.data();
  hold.options = default_hold_options(m);

  const DumpAttempt a = dump_for_timing(dir, pattern, in.get(), out.get(), hold, timing, m, r);
  remove_now(dir);
  if (a.status != Status::kPass) {
    r.status = a.status;
    r.reason = a.reason;
    return;
  }
  const pid_t pid = a.pid;
  CoreNotes notes = a.notes;
  if (!notes.xstate.empty())
    emulate_on_core_xstate_note(m, notes.xstate.data(), notes.xstate.size(),
                                timing == CoreTiming::kAfterSleep);
  ++r.injections;
  r.facts["core_bytes"] = a.core_bytes;
  r.facts["core_pattern"] = pattern;

  const InjectionPoint point = hold_injection_point(sigctx_hold_syscall);
  // The crash point: the instruction after SYSCALL (2 bytes).
  const uint64_t want_rip = reinterpret_cast<uint64_t>(sigctx_hold_syscall) + 2;
  for (Finding& f : check_prstatus_header(notes, want_rip, SIGABRT))
    r.findings.push_back(std::move(f));

  auto expected = std::make_unique<CpuImage>(*in);
  // The child set the tgkill arguments (its pid is its only thread's tid); rax is the result.
  set_tgkill_args(*expected, pid, pid, SIGABRT);
  expected->gpr[kRax] = 0;
  ClassifyContext cls;
  cls.machine = &m;
  cls.known = {{own, Shape::kLanes}, {other, Shape::kLanes}};
  cls.expected = {own, Shape::kLanes};
  DiffOptions o;
  o.gpr_skip = (1u << kRsp) | (1u << kRcx) | (1u << kR11);
  o.injection = point;

  const ComponentMask prstatus_holds =
      available & (component_bit(ComponentId::kGpr) | component_bit(ComponentId::kRflags) |
                   component_bit(ComponentId::kFsbase) | component_bit(ComponentId::kGsbase));
  const ComponentMask fp_holds =
      available & (component_bit(ComponentId::kX87) | component_bit(ComponentId::kMxcsr) |
                   component_bit(ComponentId::kSse));
  ComponentMask xstate_holds = 0;
  for (const ComponentDescriptor* c : all_components())
    if (c->xsave_index >= 0) xstate_holds |= component_bit(c->id);
  xstate_holds &= m.xcr0 ? available : 0;
  auto view = std::make_unique<CpuImage>();
  auto check = [&](const char* note, ComponentMask holds) {
    holds &= loaded;
    if (!holds) return;
    if (ctx.fault.active && (holds & component_bit(ctx.fault.component)))
      apply_fault_to_image(ctx.fault, m, *view, *other_img);
    o.checked = holds;
    o.where = fmt::format("in the core file's {} note", note);
    for (RegisterDiff& d : diff_images(*expected, *view, m, o, cls))
      r.diffs.push_back(std::move(d));
  };

  view->clear();
  for (unsigned g = 0; g < 16; ++g)
    view->gpr[g] = notes.regs.at(kPrRegOfGpr[g]);
  view->rflags = notes.regs.at(kPrEflags);
  view->fsbase = notes.regs.at(kPrFsBase);
  view->gsbase = notes.regs.at(kPrGsBase);
  check("NT_PRSTATUS", prstatus_holds);
  for (const auto& [name, bytes, extended, holds] :
       {std::tuple<const char*, std::vector<uint8_t>*, bool, ComponentMask>{
            "NT_PRFPREG", &notes.fpregs, false, fp_holds},
        {"NT_X86_XSTATE", &notes.xstate, true, xstate_holds}}) {
    if (!(holds & loaded)) continue;
    if (read_note_components(name, *bytes, extended, holds & loaded, m, view.get(), &r.findings))
      check(name, holds);
  }
  r.facts["components"] = component_names(loaded);
  set_final_status(ctx.fault, r);
}

}  // namespace

std::vector<Finding> check_prstatus_header(const CoreNotes& notes, uint64_t crash_rip,
                                           int fatal_signal) {
  std::vector<Finding> out;
  if (notes.regs.size() <= kPrRip)
    out.push_back({"core.prstatus_rip", "NT_PRSTATUS holds no rip", fmt::format("{:#x}", crash_rip),
                   fmt::format("{} pr_reg words", notes.regs.size())});
  else if (notes.regs[kPrRip] != crash_rip)
    out.push_back({"core.prstatus_rip", "NT_PRSTATUS's rip is not the crash point",
                   fmt::format("{:#x}", crash_rip), fmt::format("{:#x}", notes.regs[kPrRip])});
  if (notes.signal != fatal_signal)
    out.push_back({"core.prstatus_signal", "NT_PRSTATUS's pr_cursig is not the fatal signal",
                   std::to_string(fatal_signal), std::to_string(notes.signal)});
  return out;
}

bool read_note_components(const char* name, const std::vector<uint8_t>& bytes, bool extended,
                          ComponentMask holds, const Machine& m, CpuImage* view,
                          std::vector<Finding>* findings) {
  if (bytes.empty()) {
    findings->push_back({"core.note_missing", fmt::format("the core file has no {} note", name),
                         "present", "absent"});
    return false;
  }
  view->clear();
  // Only read: XsaveArea also writes, so it takes a mutable pointer.
  const XsaveArea area(const_cast<uint8_t*>(bytes.data()), bytes.size(), extended);
  std::string why;
  for (const ComponentDescriptor* c : all_components()) {
    if (!(holds & component_bit(c->id))) continue;
    if (!area.read(*c, m, *view, &why)) {
      findings->push_back({"core.note_short",
                           fmt::format("the {} note cannot hold {}: {}", name, c->name, why),
                           "the component", fmt::format("{} bytes", bytes.size())});
      return false;
    }
  }
  return true;
}

std::string read_core_pattern() {
  std::ifstream f("/proc/sys/kernel/core_pattern");
  std::string line;
  std::getline(f, line);
  return line;
}

std::string core_pattern_unusable(const std::string& pattern) {
  if (pattern.empty()) {
    // A chroot or container without /proc reads nothing too: say which it is.
    if (!std::ifstream("/proc/sys/kernel/core_pattern"))
      return "/proc/sys/kernel/core_pattern cannot be read (is /proc mounted?): where core "
             "files go is unknown";
    return "core_pattern is empty: the kernel writes no core files";
  }
  if (pattern[0] == '|')
    return fmt::format(
        "core_pattern pipes core files to a program (\"{}\"), out of the case's "
        "reach; sysctl kernel.core_pattern=core enables the case (docs/core.md)",
        pattern);
  if (pattern.find('/') != std::string::npos)
    return fmt::format(
        "core_pattern writes core files to a fixed place (\"{}\"); the case needs "
        "a relative pattern it can point at its own directory: sysctl "
        "kernel.core_pattern=core enables it (docs/core.md)",
        pattern);
  return {};
}

namespace {

// linux-coredump-pkru-stale without the scheduler's say: the core note's PKRU is the task's
// own only if Linux saved it at a switch-out after the load. pkru-unswitched runs at realtime
// priority and dumps 8 times, so a buggy kernel fails unless every dump was switched out in
// that window; pkru-after-sleep, the control, sleeps between the load of PKRU and the dump, so
// even the buggy kernel records the right value.
void add_pkru_timing_cases(std::vector<CaseDescriptor>& cases) {
  const CaseDescriptor* pkru = nullptr;
  for (const CaseDescriptor& c : cases)
    if (c.id == "core/pkru") pkru = &c;
  if (!pkru) return;
  const CaseDescriptor base = *pkru;
  const ComponentMask mask = component_bit(ComponentId::kPkru);
  CaseDescriptor unswitched = base;
  unswitched.id = "core/pkru-unswitched";
  unswitched.description =
      "PKRU pattern: a process at SCHED_FIFO priority (where granted), which nothing ordinary "
      "preempts, loads it and is killed by SIGABRT right after a SYSCALL, 8 times; every core "
      "file's NT_X86_XSTATE note must hold the pattern";
  unswitched.run = [mask](const CaseContext& ctx, CaseResult& r) {
    run_core_case(mask, CoreTiming::kRealtime, ctx, r);
  };
  CaseDescriptor slept = base;
  slept.id = "core/pkru-after-sleep";
  slept.description =
      "PKRU pattern, the control of pkru-unswitched: the process loads PKRU's pattern and sleeps "
      "20 ms (a switch-out) before the hold and the SIGABRT; the note must hold the pattern, "
      "and does even on a kernel with linux-coredump-pkru-stale";
  slept.guards.clear();
  slept.run = [mask](const CaseContext& ctx, CaseResult& r) {
    run_core_case(mask, CoreTiming::kAfterSleep, ctx, r);
  };
  slept.reproducer = [](const Machine&) {
    return core_reproducer({"pkru-after-sleep", component_bit(ComponentId::kPkru), false,
                            "PKRU, loaded 20 ms before the dump"},
                           true);
  };
  cases.push_back(std::move(unswitched));
  cases.push_back(std::move(slept));
}

}  // namespace

std::vector<CaseDescriptor> core_cases() {
  std::vector<CaseDescriptor> cases;
  for (const SwitchVariant& v : switch_variants()) {
    if (v.mixed) continue;
    const std::string held = held_description(v);
    CaseDescriptor d = make_switch_case(
        fmt::format("core/{}", v.name),
        fmt::format("{}: a process holding its pattern is killed by SIGABRT right after a "
                    "SYSCALL; its core file's NT_PRSTATUS, NT_PRFPREG and NT_X86_XSTATE notes "
                    "must hold exactly that state",
                    held),
        {}, v);
    d.guards.clear();
    d.transition = "core-dump";
    d.handler = "none (default action: core)";
    d.injector = "raw tgkill SIGABRT";
    const auto components_ok = d.applicable;
    d.applicable = [components_ok](const Machine& m) {
      if (m.env.qemu_user) return Availability::no("qemu-user writes its own core files");
      if (m.env.valgrind) return Availability::no("valgrind writes its own vgcore files");
      return components_ok(m);
    };
    const ComponentMask mask = v.components;
    d.run = [mask](const CaseContext& ctx, CaseResult& r) {
      run_core_case(mask, CoreTiming::kAtOnce, ctx, r);
    };
    d.reproducer = [v](const Machine&) { return core_reproducer(v); };
    if (v.components == 0 || (v.components & component_bit(ComponentId::kPkru)))
      d.guards.push_back("linux-coredump-pkru-stale");
    cases.push_back(std::move(d));
  }
  add_pkru_timing_cases(cases);
  return cases;
}

}  // namespace sigctx
