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

const char* switch_mode_name(SwitchMode m) {
  switch (m) {
    case SwitchMode::kYield:
      return "yield";
    case SwitchMode::kFutex:
      return "futex";
    case SwitchMode::kSpin:
      return "spin";
    case SwitchMode::kMigrate:
      return "migrate";
  }
  return "?";
}

namespace {

constexpr unsigned kYieldLoops = 64;
constexpr unsigned kFutexLoops = 16;
constexpr long kFutexSleepNs = 100 * 1000;
constexpr unsigned kSpinMillis = 30;
constexpr unsigned kMigrations = 8;
constexpr int kUnitTimeoutMs = 10000;

bool spins(SwitchMode m) {
  return m == SwitchMode::kSpin || m == SwitchMode::kMigrate;
}

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

}  // namespace

void run_switch_case(const SwitchCaseSpec& spec, const CaseContext& ctx, CaseResult& r) {
  const Machine& m = ctx.machine;
  const ComponentMask available = available_components(m);
  const ComponentMask loaded = (spec.components ? spec.components : available) & available;
  // The transition's own clobbers: SYSCALL's rcx and r11; the spin reads its flag into rcx.
  const uint16_t clobbered = spins(spec.mode) ? (1u << kRcx) : (1u << kRcx) | (1u << kR11);

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  sched_getaffinity(0, sizeof(allowed), &allowed);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  if (cpus.empty()) cpus.push_back(sched_getcpu());
  if (spec.mode == SwitchMode::kMigrate && cpus.size() < 2) {
    r.status = Status::kSkip;
    r.reason = "migration needs two CPUs; this process may run on one";
    return;
  }
  if (ctx.fault.active) {
    const std::string why = switch_fault_unshowable(ctx.fault, loaded, clobbered, m);
    if (!why.empty()) {
      return r.set_error(
          fmt::format("--inject-fault {} cannot show here: {}", ctx.fault.spec, why));
    }
  }
  const Emulation* emulation = ctx.emulation;
  const bool emulate = emulation && emulation->switch_hook_after &&
                       (!emulation->switch_usable || emulation->switch_usable(m));
  if (ctx.fault.active && emulate) {
    return r.set_error("--inject-fault and --emulate cannot be combined in switch cases");
  }
  if (spec.unit == SwitchUnit::kProcess && !share_switch_page()) {
    return r.set_error(fmt::format("mmap of the shared spin page: {}", std::strerror(errno)));
  }
  Workspace* ws = map_shared<Workspace>();
  if (!ws) {
    return r.set_error(fmt::format("mmap: {}", std::strerror(errno)));
  }
  init_signal_runtime(m);  // the feature flags the emulation hooks read
  sigctx_switch_hook_before = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(
      ctx.fault.active ? &sigctx_switch_hook_fault : &sigctx_switch_hook_none);
  if (emulate) {
    sigctx_switch_hook_before = emulation->switch_hook_before;
    sigctx_switch_hook_after = emulation->switch_hook_after;
  }

  const uint16_t tag = seed_tag(ctx.seed);
  const uint8_t role0 = spec.unit == SwitchUnit::kThread ? kRoleThread0 : kRoleProcess0;
  const unsigned iterations = spins(spec.mode) ? 2 : 3;
  const int cpu = cpus[0];
  long switches = 0;
  uint64_t witnessed = 0;
  unsigned migrations = 0;
  auto expected = std::make_unique<CpuImage>();
  const InjectionPoint point = hold_injection_point(
      spins(spec.mode) ? sigctx_hold_spin_flag_switch : sigctx_hold_syscall_loop_switch);

  for (unsigned it = 0; it < iterations && !r.failed(); ++it) {
    const uint8_t gen = static_cast<uint8_t>(it + 1);
    ws->pinned.store(0);
    ws->last_mark = 0;
    __atomic_store_n(&sigctx_spin_ready, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&sigctx_spin_stop, 0, __ATOMIC_RELEASE);
    std::vector<KnownSource> known;
    for (unsigned i = 0; i < kSwitchUnits; ++i) {
      UnitSlot& u = ws->units[i];
      const PatternSource src{tag, static_cast<uint8_t>(role0 + i), gen};
      known.push_back({src, Shape::kLanes});
      u.in.clear();
      ComponentMask zero_shaped = 0;
      for (const ComponentDescriptor* c : all_components()) {
        if (!(loaded & component_bit(c->id))) continue;
        const Shape shape = shape_of(spec, i, c->id);
        c->fill(u.in, m, src, shape);
        if (shape == Shape::kZero) zero_shaped |= component_bit(c->id);
      }
      const ComponentMask init_loaded = init_loadable(m, zero_shaped);
      u.in.init_mask = xsave_init_mask(init_loaded);
      u.out.clear();
      u.loaders = loaders_for(m, loaded & ~init_loaded);
      u.stores = stores_for(m, loaded);
      u.plan = HoldPlan{};
      u.plan.loaders = u.loaders.data();
      u.plan.stores = u.stores.data();
      u.plan.options = default_hold_options(m);
      u.witness = {&ws->last_mark, i + 1, 0};
      u.plan.witness = &u.witness;
      switch (spec.mode) {
        case SwitchMode::kYield:
          u.plan.action = PLAN_ACTION_SYSCALL_LOOP;
          u.plan.loops = kYieldLoops;
          u.in.gpr[kRax] = SYS_sched_yield;
          break;
        case SwitchMode::kFutex:
          u.plan.action = PLAN_ACTION_SYSCALL_LOOP;
          u.plan.loops = kFutexLoops;
          u.futex_word = 0;
          u.sleep = {0, kFutexSleepNs};
          u.in.gpr[kRax] = SYS_futex;
          u.in.gpr[kRdi] = reinterpret_cast<uint64_t>(&u.futex_word);
          u.in.gpr[kRsi] = FUTEX_WAIT_PRIVATE;
          u.in.gpr[kRdx] = 0;
          u.in.gpr[kR10] = reinterpret_cast<uint64_t>(&u.sleep);
          break;
        case SwitchMode::kSpin:
        case SwitchMode::kMigrate:
          u.plan.action = PLAN_ACTION_SPIN_FLAG;
          break;
      }
    }
    if (ctx.fault.active && it == 0) {
      // The first unit holding lanes in the faulted component breaks, with the next such
      // unit's value for a leak: a fault must change what a unit holds to show.
      std::vector<unsigned> live;
      for (unsigned i = 0; i < kSwitchUnits; ++i)
        if (shape_of(spec, i, ctx.fault.component) == Shape::kLanes) live.push_back(i);
      UnitSlot& victim = ws->units[live.at(0)];
      arm_switch_fault(ctx.fault, victim.in, ws->units[live.at(1)].in, loaded, victim.fault,
                       victim.fault_reload, victim.plan, m);
      r.facts["fault_unit"] = unit_name(spec.unit, live[0]);
    }

    // Start the units; for the spinning modes, let the timer switch them, then stop them.
    std::vector<std::thread> threads;
    std::vector<pid_t> pids;
    std::string trouble;
    for (unsigned i = 0; i < kSwitchUnits && trouble.empty(); ++i) {
      if (spec.unit == SwitchUnit::kThread) {
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
    if (trouble.empty() && spins(spec.mode)) {
      if (!wait_until(sigctx_spin_ready, kSwitchUnits, kUnitTimeoutMs)) {
        trouble = "the units did not all start spinning";
      } else if (spec.mode == SwitchMode::kMigrate) {
        for (unsigned k = 0; k < kMigrations; ++k) {
          const int to = cpus[(k + 1) % 2];
          for (unsigned i = 0; i < kSwitchUnits; ++i)
            if (pin(ws->units[i].tid, to)) ++migrations;
          std::this_thread::sleep_for(std::chrono::milliseconds(kSpinMillis / 4));
        }
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(kSpinMillis));
      }
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
    if (!trouble.empty()) {
      return r.set_error(trouble);
    }

    for (unsigned i = 0; i < kSwitchUnits; ++i) {
      UnitSlot& u = ws->units[i];
      if (u.pin_errno) {
        return r.set_error(fmt::format("pinning {} to CPU {}: {}", unit_name(spec.unit, i), cpu,
                                       std::strerror(u.pin_errno)));
      }
      switches += u.switches;
      witnessed += u.witness.seen;
      *expected = u.in;
      expected->gpr[kRsp] = u.out.rsp_before;
      ClassifyContext cls;
      cls.machine = &m;
      cls.known = known;
      cls.expected = known[i];
      DiffOptions o;
      o.checked = loaded;
      o.gpr_skip = clobbered;
      const std::string where =
          spec.mode == SwitchMode::kYield   ? fmt::format("{} sched_yield calls", kYieldLoops)
          : spec.mode == SwitchMode::kFutex ? fmt::format("{} futex sleeps", kFutexLoops)
          : spec.mode == SwitchMode::kSpin  ? fmt::format("{} ms of spinning", kSpinMillis)
                                            : fmt::format("{} migrations", kMigrations);
      o.where = fmt::format("in {} after {} on CPU {}", unit_name(spec.unit, i), where,
                            spec.mode == SwitchMode::kMigrate ? u.cpu_after : cpu);
      o.injection = point;
      for (RegisterDiff& d : diff_images(*expected, u.out, m, o, cls))
        r.diffs.push_back(std::move(d));
    }
    if (r.failed()) r.facts["failing_generation"] = gen;
  }
  sigctx_switch_hook_before = reinterpret_cast<const void*>(&sigctx_switch_hook_none);
  sigctx_switch_hook_after = reinterpret_cast<const void*>(&sigctx_switch_hook_none);

  r.injections = std::max<uint64_t>(witnessed, static_cast<uint64_t>(switches));
  r.facts["context_switches"] = switches;
  r.facts["switches_witnessed"] = witnessed;
  r.facts["units"] = fmt::format("{} {}s pinned to CPU {}", kSwitchUnits,
                                 spec.unit == SwitchUnit::kThread ? "thread" : "process", cpu);
  if (spec.mode == SwitchMode::kMigrate) r.facts["migrations"] = migrations;
  r.facts["components"] = component_names(loaded);
  if (!r.failed() && switches == 0 && witnessed == 0) {
    no_switch_seen(m,
                   "no context switch could be shown while the units held their patterns: they "
                   "never saw each other run on their CPU, and getrusage counted none",
                   r);
    return;
  }
  r.set_verdict();
}

}  // namespace sigctx
