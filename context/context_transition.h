// A user-context transition as data: how the held state is captured, irritated and resumed
// (getcontext/setcontext, swapcontext, a resume from or inside a signal handler, a resume on
// another thread). The driver (context_case_engine.cpp) owns the patterns, the signal masks, the
// diff and the verdict; the libc's promise is the judge (results/expectations/linux-glibc.json).
// A transition is one file in transitions/ and one line in transitions/transitions.inc.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <ucontext.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/case.h"
#include "engine/hold.h"
#include "xstate/classify.h"
#include "xstate/diff.h"

namespace sigctx {

constexpr unsigned kContextIterations = 8;
constexpr size_t kSideStackBytes = 64 * 1024;
constexpr size_t kThreadStackBytes = 256 * 1024;
// No context API promises the caller-saved GPRs: the call that captures the context may
// clobber them.
constexpr uint16_t kCallerSavedGprs = (1u << kRax) | (1u << kRcx) | (1u << kRdx) | (1u << kRsi) |
                                      (1u << kRdi) | (1u << kR8) | (1u << kR9) | (1u << kR10) |
                                      (1u << kR11);

// Everything a transition shares with a forked grandchild or the capturing thread, in one
// MAP_SHARED mapping.
struct ContextShared {
  CpuImage in, out, irritator, handler_in, handler_out, side_irritator;
  ucontext_t primary, side, back, handler_primary;
  uint64_t mask_after = 0;  // the signal mask right after the transition
  uint64_t handler_mask_before = 0, handler_mask_after = 0;
  uint64_t capturing_fsbase = 0;  // FS base of the thread that captured the context
  uint64_t resuming_fsbase = 0, resuming_gsbase = 0;
  uint64_t handler_deliveries = 0;
  int crash_signal = 0;  // a fatal signal in the grandchild, with where it hit
  uint64_t crash_rip = 0, crash_address = 0;
  alignas(64) uint8_t side_stack[kSideStackBytes];
  alignas(64) uint8_t thread_stack[kThreadStackBytes];
};

// One case's state, shared by the driver and its transition's hooks.
struct ContextRun {
  ContextRun(const CaseContext& ctx, ContextShared& s) : ctx(ctx), m(ctx.machine), s(s) {}
  const CaseContext& ctx;
  const Machine& m;
  ContextShared& s;
  ComponentMask available = 0, checked = 0, loaded = 0, irritated = 0;
  RoutineList loaders, stores, irritator_loaders;
  HoldPlan routine_plan{}, syscall_plan{};
  uint16_t tag = 0;
  pid_t pid = 0, tid = 0;
  uint64_t original_mask = 0;

  // The iteration under way.
  unsigned iteration = 0;
  uint8_t gen = 0;
  PatternSource main, irr, side;

  // Clears img, fills `mask` with src's lanes and gives it the resuming thread's bases.
  void fill(CpuImage& img, ComponentMask mask, const PatternSource& src) const;
};

class ContextTransition {
 public:
  virtual ~ContextTransition() = default;

  // Rows of the case list: context/<name>/<variant>.
  virtual const char* name() const = 0;
  virtual const char* handler() const = 0;
  virtual const char* injector() const = 0;
  virtual const char* routine() const = 0;  // the asm routine the state is held in
  virtual const char* what() const = 0;     // completes "<variant>: <what>"
  virtual std::vector<std::string> guards() const { return {}; }

  // Whoever ran between capture and resume: the handler by default.
  virtual uint8_t irritator_role() const { return handler_role(1); }
  // A signal handler resumes the state: deliveries are counted, and a crash is the resume of
  // the handler's ucontext.
  virtual bool in_handler() const { return false; }
  // FS and GS base are checked (a resume on another thread must keep that thread's TLS).
  virtual bool checks_segment_bases() const { return false; }
  virtual const char* where() const = 0;  // "after setcontext"
  // Where the held state was resumed, for the report.
  virtual InjectionPoint injection_point() const;

  // Hooks, in the order the driver calls them.
  virtual void prepare(ContextRun&) {}  // once
  virtual void arm(ContextRun&) {}      // per iteration, after the shared patterns
  // The transition itself; false with r's error set.
  virtual bool resume(ContextRun& run, CaseResult& r) = 0;
  // What must have come back beyond the held pattern; gpr_skip starts as kCallerSavedGprs.
  virtual void expect(const ContextRun&, CpuImage&, uint16_t&) const {}
  // Sources beyond the held pattern and the irritator that a wrong value may come from.
  virtual void add_known(const ContextRun&, ClassifyContext&) const {}
  virtual void reclassify(const ContextRun&, std::vector<RegisterDiff>&) const {}
  // After the shared checks, with their options and classification.
  virtual void check(ContextRun&, const DiffOptions&, const ClassifyContext&, CaseResult&) {}
  virtual void finish(ContextRun&) {}
};

struct ContextTransitionRow {
  std::unique_ptr<ContextTransition> (*make)();
};
const std::vector<ContextTransitionRow>& context_transitions();

// Helpers the transitions share (context_case_engine.cpp).
// The hold of a context routine: sets sigctx_active_routine and holds s.in across it.
void hold_in_routine(ContextRun& run, const void* routine);
// Makes s.side a fresh context that starts in sigctx_context_side_entry on the side stack.
void prepare_side_context(ContextShared& s);
void set_signal_handler(int sig, void (*fn)(int, siginfo_t*, void*));
// The fatal signals of a grandchild are recorded in s (crash_*) and end it.
void install_crash_recorder();
uint64_t current_sigmask();
// The point after `label` inside the context routine `routine`.
InjectionPoint routine_point(const char* routine_name, const void* routine, const char* label);
// Where sigctx_context_routine_swapcontext resumes (transitions/swapcontext.cpp).
InjectionPoint swapcontext_point();
// The running case, for code that gets no argument: signal handlers and the capturing thread.
ContextRun& running_context();

void run_context_case(ContextTransition& t, ComponentMask components, const CaseContext& ctx,
                      CaseResult& r);

}  // namespace sigctx
