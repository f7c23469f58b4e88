#include "engine/switch_case_engine.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include "base/resource_limits.h"
#include "base/tied_fork.h"
#include "engine/case_support.h"
#include "engine/emulation.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "engine/switch_fault.h"
#include "xstate/classify.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"
#include "xstate/init_state.h"

namespace sigctx {

namespace {

constexpr unsigned kYieldLoops = 64;
constexpr unsigned kFutexLoops = 16;
constexpr long kFutexSleepNs = 100 * 1000;
constexpr unsigned kSpinMillis = 30;
constexpr unsigned kMigrations = 8;
constexpr int kUnitTimeoutMs = 10000;

// Everything a unit touches, in memory shared with forked units.
struct alignas(64) UnitSlot {
  CpuImage in, out, fault;
  HoldPlan plan;
  RoutineList loaders, stores, fault_reload;
  alignas(4) uint32_t futex_word = 0;
  struct timespec sleep = {0, kFutexSleepNs};
  int tid = 0;
  int pin_errno = 0;
  int cpu_after = -1;
  long switches = 0;  // voluntary + involuntary, during the hold
  SwitchWitness witness;
};

struct Workspace {
  UnitSlot units[kSwitchUnits];
  std::atomic<uint32_t> pinned{0};
  uint64_t last_mark = 0;  // the units' SwitchWitness word
};

long switches_now() {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

bool pin(pid_t tid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(tid, sizeof(set), &set) == 0;
}

// One unit: pin, wait for the others, hold, count the switches.
void unit_body(Workspace* ws, unsigned i, int cpu) {
  UnitSlot& u = ws->units[i];
  u.tid = static_cast<int>(syscall(SYS_gettid));
  if (!pin(0, cpu)) u.pin_errno = errno;
  u.in.host_fsbase = u.out.host_fsbase = current_fsbase();
  u.in.host_gsbase = u.out.host_gsbase = current_gsbase();
  ws->pinned.fetch_add(1);
  while (ws->pinned.load() < kSwitchUnits)
    sched_yield();
  const long before = switches_now();
  sigctx_hold(&u.in, &u.out, &u.plan);
  u.switches = switches_now() - before;
  u.cpu_after = sched_getcpu();
}

// The spin flags must be seen by forked units too: their page becomes shared memory.
bool share_switch_page() {
  static bool shared = false;
  if (shared) return true;
  alignas(64) static char copy[kSwitchPageBytes];
  std::memcpy(copy, sigctx_switch_page, kSwitchPageBytes);
  void* p = mmap(sigctx_switch_page, kSwitchPageBytes, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) return false;
  std::memcpy(sigctx_switch_page, copy, kSwitchPageBytes);
  shared = true;
  return true;
}

bool wait_until(const volatile uint32_t& v, uint32_t target, int timeout_ms) {
  for (int waited = 0; __atomic_load_n(&v, __ATOMIC_ACQUIRE) < target; ++waited) {
    if (waited > timeout_ms) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

Shape shape_of(const SwitchCaseSpec& spec, unsigned unit, ComponentId id) {
  if (spec.mixed) return ((unit + static_cast<unsigned>(id)) & 1) ? Shape::kZero : Shape::kLanes;
  if (spec.components) return (unit & 1) ? Shape::kZero : Shape::kLanes;
  return Shape::kLanes;
}

std::string unit_name(SwitchUnit u, unsigned i) {
  return fmt::format("{} {}", u == SwitchUnit::kThread ? "thread" : "process", i);
}

// How each mode makes the units switch: one row each. The units hold in a SYSCALL loop (the
// image's system call) or spin on a flag until the controller stops them.
struct ModeRow {
  SwitchMode mode;
  const char* name;
  bool spins;
  void (*arm_unit)(UnitSlot& u);  // the unit's hold action and system call
  // What the controller does while spinning units hold; returns the migrations made.
  unsigned (*drive)(Workspace& ws, const std::vector<int>& cpus);
  std::string (*held_across)();  // "64 sched_yield calls"
};

void arm_yield(UnitSlot& u) {
  u.plan.action = PLAN_ACTION_SYSCALL_LOOP;
  u.plan.loops = kYieldLoops;
  u.in.gpr[kRax] = SYS_sched_yield;
}

void arm_futex(UnitSlot& u) {
  u.plan.action = PLAN_ACTION_SYSCALL_LOOP;
  u.plan.loops = kFutexLoops;
  u.futex_word = 0;
  u.sleep = {0, kFutexSleepNs};
  u.in.gpr[kRax] = SYS_futex;
  u.in.gpr[kRdi] = reinterpret_cast<uint64_t>(&u.futex_word);
  u.in.gpr[kRsi] = FUTEX_WAIT_PRIVATE;
  u.in.gpr[kRdx] = 0;
  u.in.gpr[kR10] = reinterpret_cast<uint64_t>(&u.sleep);
}

void arm_spin(UnitSlot& u) {
  u.plan.action = PLAN_ACTION_SPIN_FLAG;
}

unsigned drive_nothing(Workspace&, const std::vector<int>&) {
  return 0;
}

// Only the scheduler's timer switches the spinning units.
unsigned drive_spin(Workspace&, const std::vector<int>&) {
  std::this_thread::sleep_for(std::chrono::milliseconds(kSpinMillis));
  return 0;
}

// Moves every unit between the first two allowed CPUs, kMigrations times.
unsigned drive_migrate(Workspace& ws, const std::vector<int>& cpus) {
  unsigned migrations = 0;
  for (unsigned k = 0; k < kMigrations; ++k) {
    const int to = cpus[(k + 1) % 2];
    for (unsigned i = 0; i < kSwitchUnits; ++i)
      if (pin(ws.units[i].tid, to)) ++migrations;
    std::this_thread::sleep_for(std::chrono::milliseconds(kSpinMillis / 4));
  }
  return migrations;
}

std::string yield_held_across() {
  return fmt::format("{} sched_yield calls", kYieldLoops);
}
std::string futex_held_across() {
  return fmt::format("{} futex sleeps", kFutexLoops);
}
std::string spin_held_across() {
  return fmt::format("{} ms of spinning", kSpinMillis);
}
std::string migrate_held_across() {
  return fmt::format("{} migrations", kMigrations);
}

const ModeRow kModeRows[] = {
    {SwitchMode::kYield, "yield", false, arm_yield, drive_nothing, yield_held_across},
    {SwitchMode::kFutex, "futex", false, arm_futex, drive_nothing, futex_held_across},
    {SwitchMode::kSpin, "spin", true, arm_spin, drive_spin, spin_held_across},
    {SwitchMode::kMigrate, "migrate", true, arm_spin, drive_migrate, migrate_held_across},
};

const ModeRow& mode_row(SwitchMode m) {
  for (const ModeRow& row : kModeRows)
    if (row.mode == m) return row;
  return kModeRows[0];
}

// One case's state.
struct SwitchRun {
  const SwitchCaseSpec& spec;
  const CaseContext& ctx;
  const ModeRow& mode;
  ComponentMask loaded = 0;
  uint16_t clobbered = 0;
  std::vector<int> cpus;
  Workspace* ws = nullptr;
  uint16_t tag = 0;
  uint8_t role0 = 0;
  long switches = 0;
  uint64_t witnessed = 0;
  unsigned migrations = 0;
};

// The CPUs, the fault's and the emulation's hooks and the shared workspace; false when the case
// cannot run (r says why).
bool set_up(SwitchRun& run, CaseResult& r) {
  const Machine& m = run.ctx.machine;
  const CaseContext& ctx = run.ctx;
  const ComponentMask available = available_components(m);
  run.loaded = (run.spec.components ? run.spec.components : available) & available;
  // The transition's own clobbers: SYSCALL's rcx and r11; the spin reads its flag into rcx.
  run.clobbered = run.mode.spins ? (1u << kRcx) : (1u << kRcx) | (1u << kR11);

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof(allowed), &allowed);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) run.cpus.push_back(c);
  if (run.cpus.empty()) run.cpus.push_back(sched_getcpu());
  if (run.spec.mode == SwitchMode::kMigrate && run.cpus.size() < 2) {
    r.status = Status::kSkip;
    r.reason = "migration needs two CPUs; this process may run on one";
    return false;
  }
  if (ctx.fault.active) {
    const std::string why = switch_fault_unshowable(ctx.fault, run.loaded, run.clobbered, m);
    if (!why.empty()) {
      r.set_error(fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec, why));
      return false;
    }
  }
  const Emulation* emulation = ctx.emulation;
  const bool emulate = emulation && emulation->switch_hook_after &&
                       (!emulation->switch_usable || emulation->switch_usable(m));
  if (ctx.fault.active && emulate) {
    r.set_error("--inject-fault and --emulate cannot be combined in switch cases");
    return false;
  }
  if (run.spec.unit == SwitchUnit::kProcess && !share_switch_page()) {
    r.set_error(fmt::format("mmap of the shared spin page: {}", std::strerror(errno)));
    return false;
  }
  run.ws = map_shared<Workspace>();
  if (!run.ws) {
    r.set_error(fmt::format("mmap: {}", std::strerror(errno)));
    return false;
  }
  init_signal_runtime(m);  // the feature flags the emulation hooks read
  sigctx_switch_hook_before = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(
      ctx.fault.active ? &sigctx_switch_hook_fault : &sigctx_switch_hook_none);
  if (emulate) {
    sigctx_switch_hook_before = emulation->switch_hook_before;
    sigctx_switch_hook_after = emulation->switch_hook_after;
  }
  run.tag = seed_tag(ctx.seed);
  run.role0 = run.spec.unit == SwitchUnit::kThread ? kRoleThread0 : kRoleProcess0;
  return true;
}

// Every unit's pattern, routines and plan for generation gen; returns the patterns' sources.
std::vector<KnownSource> arm_units(SwitchRun& run, uint8_t gen) {
  const Machine& m = run.ctx.machine;
  Workspace* ws = run.ws;
  ws->pinned.store(0);
  ws->last_mark = 0;
  __atomic_store_n(&sigctx_spin_ready, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&sigctx_spin_stop, 0, __ATOMIC_RELEASE);
  std::vector<KnownSource> known;
  for (unsigned i = 0; i < kSwitchUnits; ++i) {
    UnitSlot& u = ws->units[i];
    const PatternSource src{run.tag, static_cast<uint8_t>(run.role0 + i), gen};
    known.push_back({src, Shape::kLanes});
    u.in.clear();
    ComponentMask zero_shaped = 0;
    for (const ComponentDescriptor* c : all_components()) {
      if (!(run.loaded & component_bit(c->id))) continue;
      const Shape shape = shape_of(run.spec, i, c->id);
      c->fill(u.in, m, src, shape);
      if (shape == Shape::kZero) zero_shaped |= component_bit(c->id);
    }
    const ComponentMask init_loaded = init_loadable(m, zero_shaped);
    u.in.init_mask = xsave_init_mask(init_loaded);
    u.out.clear();
    u.loaders = loaders_for(m, run.loaded & ~init_loaded);
    u.stores = stores_for(m, run.loaded);
    u.plan = HoldPlan{};
    u.plan.loaders = u.loaders.data();
    u.plan.stores = u.stores.data();
    u.plan.options = default_hold_options(m);
    u.witness = {&ws->last_mark, i + 1, 0};
    u.plan.witness = &u.witness;
    run.mode.arm_unit(u);
  }
  return known;
}

// The first unit holding lanes in the faulted component breaks, with the next such unit's
// value for a leak: a fault must change what a unit holds to show.
void arm_fault(SwitchRun& run, CaseResult& r) {
  const FaultSpec& fault = run.ctx.fault;
  std::vector<unsigned> live;
  for (unsigned i = 0; i < kSwitchUnits; ++i)
    if (shape_of(run.spec, i, fault.component) == Shape::kLanes) live.push_back(i);
  UnitSlot& victim = run.ws->units[live.at(0)];
  arm_switch_fault(fault, victim.in, run.ws->units[live.at(1)].in, run.loaded, victim.fault,
                   victim.fault_reload, victim.plan, run.ctx.machine);
  r.facts["fault_unit"] = unit_name(run.spec.unit, live[0]);
}

// Starts the units and, for the spinning modes, lets them switch, then stops them; "" or what
// went wrong.
std::string run_units(SwitchRun& run) {
  Workspace* ws = run.ws;
  const int cpu = run.cpus[0];
  std::vector<std::thread> threads;
  std::vector<pid_t> pids;
  std::string trouble;
  for (unsigned i = 0; i < kSwitchUnits && trouble.empty(); ++i) {
    if (run.spec.unit == SwitchUnit::kThread) {
      try {
        threads.emplace_back(unit_body, ws, i, cpu);
      } catch (const std::system_error& e) {
        note_resource_failure("a thread", e.code().value());
        trouble = fmt::format("could not start a unit thread: {}", e.what());
      }
    } else {
      const pid_t pid = fork_tied_to_parent();
      if (pid == 0) {
        unit_body(ws, i, cpu);
        _exit(0);
      }
      if (pid > 0) pids.push_back(pid);
      if (pid < 0) trouble = fmt::format("could not fork a unit: {}", std::strerror(errno));
    }
  }
  // Units wait for one another to start: release those that did, so they end.
  if (!trouble.empty()) {
    ws->pinned.fetch_add(kSwitchUnits - static_cast<unsigned>(threads.size() + pids.size()));
    __atomic_store_n(&sigctx_spin_stop, 1, __ATOMIC_RELEASE);
  }
  if (trouble.empty() && run.mode.spins) {
    if (!wait_until(sigctx_spin_ready, kSwitchUnits, kUnitTimeoutMs))
      trouble = "the units did not all start spinning";
    else
      run.migrations += run.mode.drive(*ws, run.cpus);
    __atomic_store_n(&sigctx_spin_stop, 1, __ATOMIC_RELEASE);
  }
  for (std::thread& t : threads)
    t.join();
  for (pid_t pid : pids) {
    std::string detail;
    if (wait_for_grandchild(pid, kUnitTimeoutMs, &detail) != GrandchildEnd::kExitedZero)
      trouble =
          fmt::format("a unit process ended abnormally: {}", detail.empty() ? "SIGSEGV" : detail);
  }
  return trouble;
}

// What each unit got back; false with r's error set when a unit could not be pinned.
bool check_units(SwitchRun& run, const std::vector<KnownSource>& known, CaseResult& r) {
  const Machine& m = run.ctx.machine;
  const int cpu = run.cpus[0];
  const InjectionPoint point = hold_injection_point(
      run.mode.spins ? sigctx_hold_spin_flag_switch : sigctx_hold_syscall_loop_switch);
  auto expected = std::make_unique<CpuImage>();
  for (unsigned i = 0; i < kSwitchUnits; ++i) {
    UnitSlot& u = run.ws->units[i];
    if (u.pin_errno) {
      r.set_error(fmt::format("pinning {} to CPU {}: {}", unit_name(run.spec.unit, i), cpu,
                              std::strerror(u.pin_errno)));
      return false;
    }
    run.switches += u.switches;
    run.witnessed += u.witness.seen;
    *expected = u.in;
    expected->gpr[kRsp] = u.out.rsp_before;
    ClassifyContext cls;
    cls.machine = &m;
    cls.known = known;
    cls.expected = known[i];
    DiffOptions o;
    o.checked = run.loaded;
    o.gpr_skip = run.clobbered;
    o.where =
        fmt::format("in {} after {} on CPU {}", unit_name(run.spec.unit, i), run.mode.held_across(),
                    run.spec.mode == SwitchMode::kMigrate ? u.cpu_after : cpu);
    o.injection = point;
    for (RegisterDiff& d : diff_images(*expected, u.out, m, o, cls))
      r.diffs.push_back(std::move(d));
  }
  return true;
}

}  // namespace

const char* switch_mode_name(SwitchMode m) {
  return mode_row(m).name;
}

void run_switch_case(const SwitchCaseSpec& spec, const CaseContext& ctx, CaseResult& r) {
  SwitchRun run{spec, ctx, mode_row(spec.mode)};
  if (!set_up(run, r)) return;
  const unsigned iterations = run.mode.spins ? 2 : 3;
  for (unsigned it = 0; it < iterations && !r.failed(); ++it) {
    const uint8_t gen = static_cast<uint8_t>(it + 1);
    const std::vector<KnownSource> known = arm_units(run, gen);
    if (ctx.fault.active && it == 0) arm_fault(run, r);
    if (const std::string trouble = run_units(run); !trouble.empty()) return r.set_error(trouble);
    if (!check_units(run, known, r)) return;
    if (r.failed()) r.facts["failing_generation"] = gen;
  }
  sigctx_switch_hook_before = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(&sigctx_switch_hook_none);

  r.injections = std::max<uint64_t>(run.witnessed, static_cast<uint64_t>(run.switches));
  r.facts["context_switches"] = run.switches;
  r.facts["switches_witnessed"] = run.witnessed;
  r.facts["units"] =
      fmt::format("{} {}s pinned to CPU {}", kSwitchUnits,
                  spec.unit == SwitchUnit::kThread ? "thread" : "process", run.cpus[0]);
  if (spec.mode == SwitchMode::kMigrate) r.facts["migrations"] = run.migrations;
  r.facts["components"] = component_names(run.loaded);
  if (!r.failed() && run.switches == 0 && run.witnessed == 0) {
    no_switch_seen(ctx.machine,
                   "no context switch could be shown while the units held their patterns: they "
                   "never saw each other run on their CPU, and getrusage counted none",
                   r);
    return;
  }
  r.set_verdict();
}

}  // namespace sigctx
