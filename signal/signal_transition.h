// A signal transition as data: what a case's handler does, how its signal is fired and what is
// checked beyond the state that came back. The driver (signal_case_engine.cpp) owns what every
// transition shares: the patterns, the irritating handler, the hold, the diff after sigreturn,
// the handler-entry checks and the delivery count. A transition is one file in transitions/ and
// one line in transitions/transitions.inc.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/case.h"
#include "engine/handler.h"
#include "engine/hold.h"
#include "engine/reproducer.h"
#include "xstate/classify.h"
#include "xstate/diff.h"

namespace sigctx {

// Iterations per case and, for async, signals per iteration.
constexpr unsigned kSignalIterations = 8;
constexpr unsigned kAsyncIterations = 4;
constexpr unsigned kAsyncSignalsPerIteration = 64;
constexpr unsigned kChurnIterations = 64;

// Which components a case loads, and in what shape: signal/<transition>/<variant>.
struct SignalVariant {
  std::string name;
  ComponentMask components = 0;  // 0 = every available component (for frame/edit: in the frame)
  Shape shape = Shape::kLanes;
  bool mixed = false;  // alternate lanes and zero across components (seeded)
  std::string description;
  // Whether the variant loads `id` (every variant without a component list loads all).
  bool has(ComponentId id) const { return components == 0 || (components & component_bit(id)); }
};
std::vector<SignalVariant> signal_variants();

// The images one case works on, allocated once (each is 14 KiB).
struct SignalImages {
  std::unique_ptr<CpuImage> in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> expected = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> irritator1 = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> irritator2 = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> edit = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> seen = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_in = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_out = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> nested_expected = std::make_unique<CpuImage>();
  std::unique_ptr<FrameSnapshot> snapshot = std::make_unique<FrameSnapshot>();
};

// One case's state, shared by the driver and its transition's hooks.
struct SignalRun {
  SignalRun(const SignalVariant& variant, const CaseContext& ctx);

  const SignalVariant& variant;
  const CaseContext& ctx;
  const Machine& m;
  HandlerPlan& plan;
  ComponentMask available = 0;
  ComponentMask loaded = 0;
  ComponentMask irritated = 0;    // what the handler clobbers: never FS/GS base
  ComponentMask init_loaded = 0;  // zero-shaped XSAVE components put in their init state
  bool via_syscall = true;        // held across a tgkill SYSCALL, else in a spin loop
  uint16_t tag = 0;
  pid_t pid = 0, tid = 0;
  uint64_t host_gs = 0;
  SignalImages img;
  RoutineList loaders, stores, irritator_loaders;
  RoutineList nested_loaders;  // the nested level-1 handler loads every loaded component
  HoldPlan hold{};
  InjectionPoint point;
  uint64_t interrupted_rip = 0;
  unsigned iterations = kSignalIterations;
  uint64_t intended = 0;  // signals the case meant to deliver at level 1

  // The iteration under way.
  unsigned iteration = 0;
  uint8_t gen = 0;
  PatternSource main, h1, h2, ed;
  ComponentMask edited = 0;  // written into the frame by the handler (edit)
  bool delivered_now = false;
  uint16_t gpr_skip = 0;
  ClassifyContext cls;

  // Fills `mask` of img with src: in the variant's shapes when shaped, else lanes.
  void fill(CpuImage& img, ComponentMask mask, const PatternSource& src, bool shaped) const;
  // Diff options for the components `checked`, reported as `where`.
  DiffOptions options(ComponentMask checked, const char* where) const;
};

class SignalTransition {
 public:
  virtual ~SignalTransition() = default;

  // Rows of the case list.
  virtual const char* name() const = 0;                 // case ids: signal/<name>/<variant>
  virtual const char* label() const { return name(); }  // the cases' transition: signal/<label>
  virtual const char* handler() const = 0;              // the handler's action
  virtual const char* injector() const { return "raw tgkill syscall"; }
  virtual const char* what() const = 0;  // completes "<variant>: <what>"
  virtual std::string description(const SignalVariant& v) const;
  virtual bool takes_variant(const SignalVariant&) const { return true; }
  // The catalog bugs (runners/bug_catalog.cpp) whose symptom this transition would show for v,
  // beyond those the driver adds for every transition.
  virtual void add_guards(const SignalVariant&, std::vector<std::string>&) const {}
  // The handler (or the frame edit) puts a pattern of its own in PKRU, so even a zero-shaped
  // variant shows a PKRU that the kernel failed to restore.
  virtual bool handler_patterns_pkru() const { return false; }
  // The case checks the frame, so a component the frame lacks cannot be tested this way.
  virtual bool needs_frame() const { return false; }
  virtual Availability platform_needs(const Machine&) const { return Availability::yes(); }
  // C text for the case's standalone reproducer (signal_reproducer.h): the macros SIGNO,
  // PER_HOLD, EXPECT and EXPECT_INIT, and the hooks set_up, arm, disarm and on_entry. Empty: the
  // transition has none.
  virtual ReproducerHooks reproducer_hooks() const { return {}; }

  // Hooks, in the order the driver calls them. A hook that returns false has set r's error.
  virtual bool spins() const { return false; }  // hold in a spin loop instead of a SYSCALL
  virtual unsigned iterations() const { return kSignalIterations; }
  virtual bool prepare(SignalRun& run, CaseResult& r);        // once: install the handler
  virtual bool arm(SignalRun&, CaseResult&) { return true; }  // per iteration, before the hold
  virtual bool fire(SignalRun& run, CaseResult& r);           // one hold: one delivery
  virtual void check(SignalRun&, CaseResult&) {}  // per iteration, after the shared checks
  virtual bool finish(SignalRun&, CaseResult&) { return true; }  // after the last iteration
  virtual void add_facts(const SignalRun&, CaseResult&) const {}
  virtual void uninstall(SignalRun& run);
  // Why fewer signals arrived than intended, or "".
  virtual std::string shortfall(const SignalRun& run) const;
};

// The transitions, one per line of transitions/transitions.inc, in case-list order.
struct SignalTransitionRow {
  std::unique_ptr<SignalTransition> (*make)();
};
const std::vector<SignalTransitionRow>& signal_transitions();

// Runs one signal case: per iteration, fill a pattern, hold it across the transition's
// deliveries with the handler irritating every component, and compare what came back.
void run_signal_case(SignalTransition& t, const SignalVariant& v, const CaseContext& ctx,
                     CaseResult& r);

}  // namespace sigctx
