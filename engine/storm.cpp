#include "engine/storm.h"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <sys/ioctl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/calibration.h"
#include "engine/handler.h"
#include "engine/sender.h"
#include "xstate/component_registry.h"
#include "xstate/diff.h"

namespace sigctx {

namespace {

using Clock = std::chrono::steady_clock;

// A POSIX timer delivering SIGALRM to one thread every period.
class ThreadTimer {
 public:
  // Created disarmed: arm() starts it, once its watchdog exists.
  explicit ThreadTimer(pid_t tid) {
    sigevent sev;
    std::memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGALRM;
    sev._sigev_un._tid = tid;
    ok_ = timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0;
  }
  bool arm(long period_ns) {
    const itimerspec spec{{0, period_ns}, {0, period_ns}};
    return ok_ && timer_settime(timer_, 0, &spec, nullptr) == 0;
  }
  ~ThreadTimer() {
    if (ok_) timer_delete(timer_);
  }
  bool ok() const { return ok_; }
  // Stops the signals; from any thread.
  void disarm() {
    const itimerspec none{};
    if (ok_) timer_settime(timer_, 0, &none, nullptr);
  }

 private:
  timer_t timer_{};
  bool ok_ = false;
};

// A task-clock perf event on this thread whose overflow is routed here as SIGURG.
class TaskClockSignal {
 public:
  // Opened disabled: arm() enables it, once its watchdog exists.
  explicit TaskClockSignal(long period_ns) {
    perf_event_attr attr;
    std::memset(&attr, 0, sizeof(attr));
    attr.type = PERF_TYPE_SOFTWARE;
    attr.size = sizeof(attr);
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period = static_cast<uint64_t>(period_ns);
    attr.disabled = 1;
    attr.wakeup_events = 1;
    attr.exclude_kernel = 1;
    attr.remove_on_exec = 1;
    fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd_ < 0) {
      error_ = fmt::format("perf_event_open (task-clock): {}", std::strerror(errno));
      return;
    }
    f_owner_ex owner{F_OWNER_TID, static_cast<pid_t>(syscall(SYS_gettid))};
    if (fcntl(fd_, F_SETOWN_EX, &owner) != 0 || fcntl(fd_, F_SETSIG, SIGURG) != 0 ||
        fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_ASYNC) != 0)
      error_ = fmt::format("routing task-clock overflows: {}", std::strerror(errno));
  }
  ~TaskClockSignal() {
    if (fd_ >= 0) close(fd_);
  }
  const std::string& error() const { return error_; }
  void arm() {
    if (fd_ >= 0) ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
  }
  // Stops the signals; from any thread.
  void disarm() {
    if (fd_ >= 0) ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
  }

 private:
  int fd_ = -1;
  std::string error_;
};

// Stops a signal source that keeps a phase's loop from finishing: where one delivery costs more
// than the source's period leaves (a calibration gone wrong, a machine slower than measured), the
// thread would never leave its handler. Fires once, after `budget`, unless finished first.
class PhaseWatchdog {
 public:
  PhaseWatchdog(std::chrono::milliseconds budget, std::function<void()> stop_source)
      : stop_(std::move(stop_source)), thread_([this, budget] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!done_.wait_for(lock, budget, [this] { return finished_; })) {
            fired_ = true;
            stop_();
          }
        }) {}
  ~PhaseWatchdog() { finish(); }
  PhaseWatchdog(const PhaseWatchdog&) = delete;
  PhaseWatchdog& operator=(const PhaseWatchdog&) = delete;
  // Whether it had to stop the source.
  bool finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    done_.notify_all();
    if (thread_.joinable()) thread_.join();
    return fired_;
  }

 private:
  std::function<void()> stop_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: starts once everything it reads exists
};

// Whether a run produced the reference's registers. rsp counts from the hold's frame: the
// reference and the phases start the hold from different call depths.
bool same_result(const CpuImage& ref, const CpuImage& out, ComponentMask compared,
                 const Machine& m) {
  auto a = std::make_unique<CpuImage>(ref);
  auto b = std::make_unique<CpuImage>(out);
  a->gpr[kRsp] -= a->rsp_before;
  b->gpr[kRsp] -= b->rsp_before;
  return images_equal(*a, *b, compared, m);
}

// The routine looping under the hold driver (or the memory's sweep driver in its place), with the
// handler irritating and counting only deliveries that land in the hold or the routine; each run
// starts from `in` after `reset`. Shared by the storms and the timed preemption storm.
class RoutineLoop {
 public:
  RoutineLoop(const DirtyRoutine& k, const HoldPlan& plan, const CpuImage& in,
              const std::function<void()>& reset, const StormMemory& memory)
      : in_(in), reset_(reset), loop_(plan) {
    HandlerPlan& p = handler_plan();
    p.irritate_only_in_hold = true;
    p.routine_start = reinterpret_cast<uint64_t>(k.entry);
    p.routine_end = reinterpret_cast<uint64_t>(k.code_end);
    loop_.action = PLAN_ACTION_ROUTINE_LOOP;
    sigctx_active_routine = memory.driver ? memory.driver : k.entry;
  }
  ~RoutineLoop() {
    handler_plan().irritate_only_in_hold = false;
    sigctx_active_routine = nullptr;
  }
  RoutineLoop(const RoutineLoop&) = delete;
  RoutineLoop& operator=(const RoutineLoop&) = delete;

  void run(CpuImage& into, uint64_t loops) {
    reset_();
    into = in_;  // host bases and everything else the stores need
    sigctx_routine_loops = loops;
    __atomic_store_n(&sigctx_spin_armed, 0, __ATOMIC_RELEASE);
    sigctx_hold(&in_, &into, &loop_);
  }

 private:
  const CpuImage& in_;
  const std::function<void()>& reset_;
  HoldPlan loop_;
};

constexpr uint64_t kFirstLoops = 16;
// How long one phase's loop may take before its watchdog stops the signals: the loop alone
// takes kStormPhaseMs.
constexpr std::chrono::milliseconds kPhaseBudget{2000};
// How long a silent phase's runs grow to (see run_storms).
constexpr double kSilentPhaseMs = 200;
constexpr uint64_t kMostLoops = 1u << 24;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

long storm_period_ns(const Machine& m) {
  const double four_deliveries = 4 * m.platform.delivery_ns;
  return static_cast<long>(std::max<double>(kStormPeriodNs, four_deliveries));
}

namespace {

// The signal sources of one phase: prepare (create it), arm (start the signals), stop (after
// the loop; join or destroy) and disarm (the watchdog's way to stop them from another thread).
struct StormSource {
  std::function<std::string()> prepare, arm;
  std::function<void()> stop, disarm;
};

// What the phases share, and the phase itself: prepare its source, arm it under a watchdog, run
// the loop, stop. A source the watchdog had to stop was too fast for this handler: the phase is
// not run again.
struct StormPhases {
  const Machine& m;
  RoutineLoop& routine_loop;
  CpuImage& out;
  const CpuImage& ref;
  ComponentMask compared;
  const StormMemory& memory;
  uint64_t loops;
  StormResult& result;
  // A loaded machine may not run the sender while the routine does: a phase that delivered
  // nothing is run again, each run checked, before it counts as an error.
  static constexpr unsigned kPhaseAttempts = 6;
  std::vector<std::string> silent_phases;
  std::vector<std::string> watchdog_stops;

  void run(const char* name, const StormSource& source);
};

void StormPhases::run(const char* name, const StormSource& source) {
  HandlerPlan& p = handler_plan();
  auto run_loop = [&](CpuImage& into, uint64_t n) { routine_loop.run(into, n); };
  if (!result.error.empty()) return;
  uint64_t delivered = 0;
  unsigned attempt = 0;
  const auto t = Clock::now();
  bool failed = false;
  // A platform that delivers signals only at its own ticks (user-mode Linux, one CPU: the
  // sender runs only when the loop is switched out) may let a short loop end before one lands:
  // a silent run is followed by a longer one, up to four times as long, until a run takes
  // kSilentPhaseMs as measured.
  uint64_t phase_loops = loops;
  double last_ms = 0;
  auto phase_ref = std::make_unique<CpuImage>(ref);
  while (delivered == 0 && !failed && attempt < kPhaseAttempts) {
    const double longer = std::clamp(kSilentPhaseMs / std::max(last_ms, 1e-3), 1.0, 4.0);
    if (attempt++ > 0 && longer > 1) {
      // A loop of another length ends in another state: its own reference, without signals.
      phase_loops =
          std::min(static_cast<uint64_t>(static_cast<double>(phase_loops) * longer), kMostLoops);
      run_loop(*phase_ref, phase_loops);
    }
    const auto attempt_start = Clock::now();
    // --inject-fault: one fault per run until a run shows it. A delivery inside the routine
    // can still come too late to show (a zeroing routine's ret), so each phase gets its own.
    if (result.failed_phases.empty() && p.fault.active) p.fault_armed = true;
    const uint64_t before = p.delivered_in_hold.load();
    std::string error = source.prepare();
    bool stopped = false;
    if (error.empty()) {
      PhaseWatchdog watchdog(kPhaseBudget, source.disarm);
      error = source.arm();
      if (error.empty()) run_loop(out, phase_loops);
      stopped = watchdog.finish();
    }
    last_ms = ms_since(attempt_start);
    source.stop();
    if (!error.empty()) {
      result.facts[name] = {{"skipped", error}};
      return;
    }
    if (stopped) watchdog_stops.push_back(fmt::format("{} (attempt {})", name, attempt));
    delivered = p.delivered_in_hold.load() - before;
    const std::string memory_failure = memory.check ? memory.check() : std::string();
    if (!same_result(*phase_ref, out, compared, m) || !memory_failure.empty()) {
      result.failed_phases.emplace_back();
      result.failed_phases.back().name = fmt::format("{} storm", name);
      result.failed_phases.back().ref = *phase_ref;
      result.failed_phases.back().delivered_in_routine = delivered;
      result.failed_phases.back().out = out;
      result.failed_phases.back().memory = memory_failure;
      failed = true;
    }
    if (stopped) break;
  }
  result.delivered_in_routine += delivered;
  result.facts[name] = {
      {"signals", delivered},
      {"attempts", attempt},
      {"loops", phase_loops},
      {"ms", std::chrono::duration<double, std::milli>(Clock::now() - t).count()}};
  // A changed result means something was delivered (a signal outside the counted window
  // of hold and routine, such as in a store routine): a failure, not an untested run. A
  // phase that delivered nothing is noted; the storms as a whole must deliver something.
  if (delivered == 0 && !failed && watchdog_stops.empty()) silent_phases.push_back(name);
}

}  // namespace

StormResult run_storms(const Machine& m, const DirtyRoutine& k, const HoldPlan& plan,
                       const CpuImage& in, CpuImage& out, CpuImage& ref, ComponentMask compared,
                       const std::function<void()>& reset, const StormMemory& memory) {
  StormResult result;
  HandlerPlan& p = handler_plan();
  for (int sig : {kPrimarySignal, SIGALRM, SIGURG})
    install_handler(sig, false);
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  RoutineLoop routine_loop(k, plan, in, reset, memory);
  auto run_loop = [&](CpuImage& into, uint64_t loops) { routine_loop.run(into, loops); };

  // Calibrate: enough loops for kStormPhaseMs per phase, measured over many clock steps.
  const Calibration cal =
      calibrate([&](uint64_t n) { run_loop(ref, n); }, kStormPhaseMs,
                monotonic_clock(m.platform.clock.step_ns), kFirstLoops, kMostLoops);
  const uint64_t loops = cal.count;
  run_loop(ref, loops);
  result.facts["loops"] = loops;
  // The timer sources fire at a fixed period whatever the handler costs: at least four
  // deliveries' worth of time apart, or a slow machine spends all its time in the handler.
  const long period_ns = storm_period_ns(m);
  result.facts["period_us"] = static_cast<double>(period_ns) / 1000;
  if (memory.check) {
    const std::string bad = memory.check();
    if (!bad.empty()) {
      result.error = "without any signal: " + bad;  // the phases below do not run
    }
  }

  StormPhases phases{m, routine_loop, out, ref, compared, memory, loops, result};

  std::atomic<bool> done{false};
  std::unique_ptr<SignalSender> sender;
  const StormSource tgkill{[&] {
                             done = false;
                             // Back to back, unless a delivery costs more than the fixed period
                             // allows: then paced like the timers, or the handler alone fills the
                             // phase (a 100 us handler once left the loop too little time to finish
                             // within the watchdog's budget).
                             sender = std::make_unique<SignalSender>(
                                 tid, kPrimarySignal, p.delivered[1], done,
                                 period_ns > kStormPeriodNs ? period_ns : 0);
                             return std::string();
                           },
                           [&] {
                             sender->start();
                             return std::string();
                           },
                           [&] {
                             done = true;
                             sender->join();
                           },
                           [&] { done = true; }};
  phases.run("tgkill", tgkill);

  std::unique_ptr<ThreadTimer> timer;
  const StormSource posix_timer{
      [&] {
        timer = std::make_unique<ThreadTimer>(tid);
        return timer->ok() ? std::string() : fmt::format("timer_create: {}", std::strerror(errno));
      },
      [&] {
        return timer->arm(period_ns) ? std::string()
                                     : fmt::format("timer_settime: {}", std::strerror(errno));
      },
      [&] { timer.reset(); }, [&] { timer->disarm(); }};
  phases.run("posix-timer", posix_timer);

  std::unique_ptr<TaskClockSignal> clock;
  const StormSource task_clock{[&] {
                                 clock = std::make_unique<TaskClockSignal>(period_ns);
                                 return clock->error();
                               },
                               [&] {
                                 clock->arm();
                                 return std::string();
                               },
                               [&] { clock.reset(); }, [&] { clock->disarm(); }};
  phases.run("task-clock", task_clock);

  if (!phases.silent_phases.empty()) result.facts["silent_phases"] = phases.silent_phases;
  // The loop under these sources made no progress for kPhaseBudget: the sources were stopped,
  // what they delivered until then is checked as usual.
  if (!phases.watchdog_stops.empty()) result.facts["watchdog_stopped"] = phases.watchdog_stops;
  if (result.error.empty() && result.delivered_in_routine == 0 && result.failed_phases.empty())
    result.error = fmt::format(
        "no storm delivered a signal while the routine ran ({} phases, {} "
        "runs each at most)",
        phases.silent_phases.size(), StormPhases::kPhaseAttempts);
  for (int sig : {SIGALRM, SIGURG})
    uninstall_handler(sig);
  return result;
}

PreemptStormResult run_preempt_storm(const Machine& m, const DirtyRoutine& k, const HoldPlan& plan,
                                     const CpuImage& in, CpuImage& out, CpuImage& ref,
                                     ComponentMask compared, const std::function<void()>& reset,
                                     const StormMemory& memory, const PreemptStormOptions& o) {
  PreemptStormResult result;
  HandlerPlan& p = handler_plan();
  install_handler(o.signal, false);
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  RoutineLoop routine_loop(k, plan, in, reset, memory);
  auto run_loop = [&](CpuImage& into, uint64_t loops) { routine_loop.run(into, loops); };
  auto finish = [&] { uninstall_handler(o.signal); };

  // Chunks of about kPreemptChunkMs: every chunk is the same run, so each compares with one
  // reference.
  result.loops_per_chunk =
      calibrate([&](uint64_t n) { run_loop(ref, n); }, kPreemptChunkMs,
                monotonic_clock(m.platform.clock.step_ns), kFirstLoops, kMostLoops)
          .count;
  run_loop(ref, result.loops_per_chunk);
  if (memory.check) {
    const std::string bad = memory.check();
    if (!bad.empty()) {
      result.error = "without any signal: " + bad;
      finish();
      return result;
    }
  }

  // The baseline: the same chunks without signals.
  auto t0 = Clock::now();
  do {
    run_loop(out, result.loops_per_chunk);
    result.baseline_loops += result.loops_per_chunk;
  } while (ms_since(t0) < o.baseline_seconds * 1000);
  result.baseline_seconds = ms_since(t0) / 1000;

  const uint64_t delivered_before = p.delivered[1].load();
  const uint64_t in_routine_before = p.delivered_in_hold.load();
  t0 = Clock::now();
  do {
    if (p.fault.active) p.fault_armed = true;  // once per chunk, as run_storms does per phase
    std::atomic<bool> done{false};
    SignalSender sender(tid, o.signal, p.delivered[1], done);
    sender.start();
    run_loop(out, result.loops_per_chunk);
    done = true;
    sender.join();
    result.sent += sender.sent();
    if (!sender.error().empty()) {
      result.error = sender.error();
      break;
    }
    result.storm_loops += result.loops_per_chunk;
    ++result.chunks;
    const std::string memory_failure = memory.check ? memory.check() : std::string();
    if (!same_result(ref, out, compared, m) || !memory_failure.empty()) {
      StormPhase bad;
      bad.name = fmt::format("SIG{} storm (chunk {})", sigabbrev_np(o.signal), result.chunks);
      bad.ref = ref;
      bad.out = out;
      bad.memory = memory_failure;
      result.failed_chunks.push_back(std::move(bad));
      break;
    }
    // A loaded machine may not run the sender while the routine does: past the time asked for,
    // the storm goes on until one signal lands inside the routine, for kPreemptGraceSeconds.
  } while (ms_since(t0) < o.seconds * 1000 ||
           (p.delivered_in_hold.load() == in_routine_before &&
            ms_since(t0) < (o.seconds + kPreemptGraceSeconds) * 1000));
  result.storm_seconds = ms_since(t0) / 1000;
  result.delivered = p.delivered[1].load() - delivered_before;
  result.delivered_in_routine = p.delivered_in_hold.load() - in_routine_before;
  if (result.error.empty() && result.delivered_in_routine == 0 && result.failed_chunks.empty())
    result.error = fmt::format("{} signals sent in {:.1f} s, none delivered while the routine ran",
                               result.sent, result.storm_seconds);
  finish();
  return result;
}

}  // namespace sigctx
