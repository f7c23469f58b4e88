#include "engine/routine_case.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>

#include "engine/case_support.h"
#include "engine/hwbp.h"
#include "engine/routine_run.h"
#include "engine/storm.h"
#include "engine/yield_sibling.h"
#include "xstate/component_registry.h"
#include "xstate/routines/zero_check.h"
#include "xstate/routines/zero_sweep.h"

namespace sigctx {

namespace {

constexpr uint8_t kBufferFill = 0xa5;
constexpr size_t kSweepBytes = 8 << 20;    // a storm's zeroing routine sweeps this much
constexpr size_t kGoHeapBytes = 64 << 20;  // and go-preempt's
constexpr double kGoPreemptDefaultSeconds = 10;
constexpr size_t kBufferGuard = 64;
constexpr size_t kTraceCapacity = 1 << 16;

struct AlignedFree {
  void operator()(uint8_t* p) const { std::free(p); }
};

// Everything one routine case works with.
class RoutineCase {
 public:
  RoutineCase(const RoutineKindRow& kind, const DirtyRoutine& k, const CaseContext& ctx,
              CaseResult& r)
      : kind_(kind), k_(k), m_(ctx.machine), ctx_(ctx), r_(r) {}

  void run();

 private:
  void prepare(unsigned generation);
  void reset_buffer();
  // Runs the routine; returns the result with `out_` filled.
  RoutineRunResult run_once(RoutineRunRequest req);
  // Compares `out_` (and the buffer) with the reference; appends to r_.
  bool differs_from_reference(std::vector<RegisterDiff>* diffs, std::vector<Finding>* findings,
                              const InjectionPoint& where);
  InjectionPoint point_at(int64_t boundary) const;
  RoutineRunRequest request(Injector injector, HandlerAction t) const;
  bool fails_with(const BoundarySelection& sel);
  // `first`: what the failing run itself showed, kept whatever the diagnosis rerun shows.
  void report_boundary(int64_t boundary, Injector injector, HandlerAction t,
                       std::vector<RegisterDiff> first, std::vector<Finding> first_findings);
  void run_step(unsigned generations);
  void run_step_yield(unsigned generations);
  void run_at_boundaries(Injector injector, unsigned generations);
  void run_storm();
  void run_go_preempt();
  // For a zeroing routine: a sweep over `bytes` and the storm's check of it.
  std::unique_ptr<ZeroSweep> make_sweep(size_t bytes, StormMemory* memory);
  // Adds what a storm phase that differed from the reference produced.
  void report_storm_phase(const StormPhase& phase);
  bool trace_routine();
  bool reference_run();
  uint64_t occurrence_of(uint64_t boundary) const;
  // Whether boundary lies between two iterations of a REP string instruction (its address
  // repeats right away): an instruction breakpoint fires only before the first iteration.
  bool inside_rep_iterations(uint64_t boundary) const;
  std::string reproduce_options(int64_t boundary, HandlerAction t) const;

  const RoutineKindRow& kind_;
  const DirtyRoutine& k_;
  const Machine& m_;
  const CaseContext& ctx_;
  CaseResult& r_;

  ComponentMask loaded_ = 0, irritated_ = 0;
  RoutineList loaders_, stores_, irritator_loaders_;
  HoldPlan plan_;
  std::unique_ptr<CpuImage> in_ = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> out_ = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> ref_ = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> irritator_ = std::make_unique<CpuImage>();
  std::unique_ptr<CpuImage> edit_ = std::make_unique<CpuImage>();
  std::unique_ptr<FrameSnapshot> capture_clean_ = std::make_unique<FrameSnapshot>();
  std::unique_ptr<FrameSnapshot> capture_bad_ = std::make_unique<FrameSnapshot>();
  std::unique_ptr<uint8_t, AlignedFree> buffer_;
  std::vector<uint32_t> trace_;
  FrameRecord frames_;
  ClassifyContext classify_;
  uint16_t tag_ = 0;
  uint64_t host_gs_ = 0;
  unsigned generation_ = 0;
  uint64_t boundaries_ = 0;  // dynamic boundaries of one run
};

void RoutineCase::prepare(unsigned generation) {
  generation_ = generation;
  const uint8_t gen = static_cast<uint8_t>(generation);
  const PatternSource main{tag_, kRoleMain, gen};
  const PatternSource h1{tag_, handler_role(1), gen};
  const PatternSource ed{tag_, kRoleEdit, gen};
  in_->clear();
  for (const ComponentDescriptor* c : all_components())
    if (loaded_ & component_bit(c->id)) c->fill(*in_, m_, main, Shape::kLanes);
  in_->host_fsbase = sigctx_host_fsbase;
  in_->host_gsbase = host_gs_;
  if (buffer_) {
    in_->gpr[kRdi] = reinterpret_cast<uint64_t>(buffer_.get());
    in_->gpr[kRcx] = k_.buffer_bytes;
  }
  // The irritator also carries FS/GS base values, which it never loads: a leak fault uses them.
  irritator_->clear();
  for (const ComponentDescriptor* c : all_components())
    if (loaded_ & component_bit(c->id)) c->fill(*irritator_, m_, h1, Shape::kLanes);
  handler_plan().irritator[0] = {irritator_.get(), irritator_loaders_.data()};
  edit_->clear();
  component(k_.edit_component).fill(*edit_, m_, ed, Shape::kLanes);
  classify_.machine = &m_;
  classify_.expected = {main, Shape::kLanes};
  classify_.known = {{main, Shape::kLanes}, {h1, Shape::kLanes}, {ed, Shape::kLanes}};
  if (kind_.kind == RoutineKind::kStepYield)
    classify_.known.push_back({YieldSibling::source(tag_), Shape::kLanes});
}

void RoutineCase::reset_buffer() {
  if (buffer_) std::memset(buffer_.get(), kBufferFill, k_.buffer_bytes + kBufferGuard);
}

RoutineRunResult RoutineCase::run_once(RoutineRunRequest req) {
  reset_buffer();
  out_->clear();
  out_->host_fsbase = sigctx_host_fsbase;
  out_->host_gsbase = host_gs_;
  handler_plan().fault_armed = ctx_.fault.active;
  return run_routine(m_, req, plan_, *in_, *out_, req.capture ? capture_bad_.get() : nullptr);
}

RoutineRunRequest RoutineCase::request(Injector injector, HandlerAction t) const {
  RoutineRunRequest req;
  req.routine = &k_;
  req.injector = injector;
  req.action = t;
  req.compared = in_signal_frame(loaded_);
  req.edit_values = edit_.get();
  req.fault_boundary = ctx_.fault.boundary;
  return req;
}

InjectionPoint RoutineCase::point_at(int64_t boundary) const {
  InjectionPoint p;
  p.routine = std::string(k_.name);
  p.boundary = boundary;
  p.boundaries = static_cast<int64_t>(boundaries_);
  if (boundary >= 0 && static_cast<size_t>(boundary) < trace_.size()) {
    p.offset = trace_[static_cast<size_t>(boundary)];
    p.instruction = routine_instruction_text(k_, static_cast<uint32_t>(p.offset));
  }
  return p;
}

// rsp as an offset from the hold driver's frame: runs started from different call depths are
// comparable.
void relative_rsp(CpuImage& img, uint64_t frame_rsp) {
  img.gpr[kRsp] -= frame_rsp;
}

bool RoutineCase::differs_from_reference(std::vector<RegisterDiff>* diffs,
                                         std::vector<Finding>* findings,
                                         const InjectionPoint& where) {
  DiffOptions o;
  o.checked = loaded_;
  o.gpr_skip = 0;
  o.where = "after the routine";
  o.injection = where;
  auto expected = std::make_unique<CpuImage>(*ref_);
  auto actual = std::make_unique<CpuImage>(*out_);
  relative_rsp(*expected, ref_->rsp_before);
  relative_rsp(*actual, out_->rsp_before);
  auto d = diff_images(*expected, *actual, m_, o, classify_);
  bool differs = !d.empty();
  if (diffs)
    for (auto& x : d)
      diffs->push_back(std::move(x));
  if (buffer_) {
    const uint8_t* b = buffer_.get();
    const ZeroCheck z = check_zero(b, k_.buffer_bytes);
    size_t guard = 0;
    for (size_t i = 0; i < kBufferGuard; ++i)
      guard += b[k_.buffer_bytes + i] != kBufferFill;
    if (!z.zero()) {
      differs = true;
      if (findings)
        findings->push_back({fmt::format("{}.buffer", k_.name),
                             describe_zero_check(z, k_.buffer_bytes) + ", after the routine",
                             "all zero", fmt::format("{} non-zero bytes", z.nonzero_bytes)});
    }
    if (guard) {
      differs = true;
      if (findings)
        findings->push_back({fmt::format("{}.buffer_guard", k_.name),
                             fmt::format("{} bytes past the end of the buffer changed", guard),
                             "untouched", fmt::format("{} bytes changed", guard)});
    }
  }
  return differs;
}

bool RoutineCase::fails_with(const BoundarySelection& sel) {
  RoutineRunRequest req = request(kind_.injector, kind_.action);
  req.selection = sel;
  const RoutineRunResult res = run_once(req);
  return differs_from_reference(nullptr, nullptr, {}) || res.edit_failed_at >= 0 ||
         res.frame_mismatch_at >= 0;
}

std::string RoutineCase::reproduce_options(int64_t boundary, HandlerAction t) const {
  if (boundary < 0) return "";
  std::string s = fmt::format("--at {}", boundary);
  // A hardware breakpoint reaches the boundary without stepping through the rest; edits and
  // frame checks need the step injector's neighbouring boundaries.
  const bool single = t == HandlerAction::kClobber || t == HandlerAction::kNested;
  if (single && kind_.injector != Injector::kInt3 &&
      !inside_rep_iterations(static_cast<uint64_t>(boundary)) &&
      injector_allowed(m_, Injector::kHwbp).ok)
    s += " --injector hwbp";
  else if (kind_.injector == Injector::kInt3)
    s += " --injector int3";
  return s;
}

bool RoutineCase::inside_rep_iterations(uint64_t boundary) const {
  return boundary > 0 && boundary < trace_.size() && trace_[boundary] == trace_[boundary - 1];
}

uint64_t RoutineCase::occurrence_of(uint64_t boundary) const {
  uint64_t n = 0;
  for (uint64_t j = 0; j <= boundary && j < trace_.size(); ++j)
    n += trace_[j] == trace_[boundary];
  return n;
}

// The state a sigreturn restored at `boundary`, captured by a signal delivered right after it,
// against the same capture in a clean run: names the register and class of the damage.
void RoutineCase::report_boundary(int64_t boundary, Injector injector, HandlerAction t,
                                  std::vector<RegisterDiff> first,
                                  std::vector<Finding> first_findings) {
  const InjectionPoint where = point_at(boundary);
  r_.facts["failing_boundary"] = boundary;
  r_.facts["failing_generation"] = generation_;
  r_.reproduce_options = reproduce_options(boundary, t);

  RoutineRunRequest clean = request(Injector::kStep, HandlerAction::kNone);
  clean.selection.at = boundary;
  clean.capture = true;
  handler_plan().fault_armed = false;
  reset_buffer();
  out_->clear();
  out_->host_fsbase = sigctx_host_fsbase;
  out_->host_gsbase = host_gs_;
  const RoutineRunResult a = run_routine(m_, clean, plan_, *in_, *out_, capture_clean_.get());
  const uint64_t clean_frame_rsp = out_->rsp_before;

  RoutineRunRequest bad = request(injector, t);
  bad.selection.at = boundary;
  bad.target_dynamic = static_cast<uint64_t>(boundary);
  bad.target_offset = trace_[static_cast<size_t>(boundary)];
  bad.occurrence = occurrence_of(static_cast<uint64_t>(boundary));
  bad.capture = true;
  const RoutineRunResult b = run_once(bad);
  const uint64_t bad_frame_rsp = out_->rsp_before;
  std::vector<RegisterDiff> final_diffs;
  std::vector<Finding> findings;
  const bool final_differs = differs_from_reference(&final_diffs, &findings, where);

  if (!a.captured || !b.captured) {
    r_.findings.push_back(
        {"diagnosis.capture",
         fmt::format("boundary {} ({}) could not be captured", boundary, where.instruction),
         "captured", "not captured"});
  } else {
    auto restored_clean = std::make_unique<CpuImage>(), restored_bad = std::make_unique<CpuImage>();
    restored_clean->clear();
    restored_bad->clear();
    SignalFrame fa = SignalFrame::of(*capture_clean_), fb = SignalFrame::of(*capture_bad_);
    const ComponentMask framed = in_signal_frame(loaded_);
    for (const ComponentDescriptor* c : all_components())
      if (framed & component_bit(c->id)) {
        fa.read(*c, m_, *restored_clean, nullptr);
        fb.read(*c, m_, *restored_bad, nullptr);
      }
    relative_rsp(*restored_clean, clean_frame_rsp);
    relative_rsp(*restored_bad, bad_frame_rsp);
    restored_clean->fsbase = a.capture_entry.fsbase;
    restored_clean->gsbase = a.capture_entry.gsbase;
    restored_bad->fsbase = b.capture_entry.fsbase;
    restored_bad->gsbase = b.capture_entry.gsbase;
    DiffOptions o;
    o.checked = loaded_;
    o.gpr_skip = 0;
    o.where = fmt::format("after sigreturn at boundary {}", boundary);
    o.injection = where;
    for (auto& d : diff_images(*restored_clean, *restored_bad, m_, o, classify_)) {
      // The edited register holds the edit by design.
      if (t == HandlerAction::kEdit && d.component == k_.edit_component &&
          d.reg == k_.edit_register)
        continue;
      r_.diffs.push_back(std::move(d));
    }
  }
  // The rerun's outcome, beside the failing run's own evidence, which is always kept: a rare
  // failure (a 1-in-64 sigreturn bug) often does not come back in the rerun.
  const bool at_boundary = !r_.diffs.empty();
  r_.facts["diagnosis"] =
      at_boundary ? fmt::format(
                        "reproduced: the transition at boundary {} alone restores {} "
                        "register{} wrongly",
                        boundary, r_.diffs.size(), r_.diffs.size() == 1 ? "" : "s")
      : final_differs ? fmt::format(
                            "reproduced at boundary {}, in what the routine computed, not "
                            "in the restored registers",
                            boundary)
                      : fmt::format(
                            "not reproduced: the transition at boundary {} alone left "
                            "every register right; the failing run's evidence stands",
                            boundary);
  if (!at_boundary && final_differs) first = std::move(final_diffs);
  for (auto& d : first) {
    if (d.where == "after the routine") d.where = "after the routine, in the failing run";
    r_.diffs.push_back(std::move(d));
  }
  if (!at_boundary && !final_differs)
    r_.findings.push_back({"diagnosis.boundary",
                           fmt::format("the failure did not reproduce with the transition at "
                                       "boundary {} alone (the differences above are the "
                                       "failing run's)",
                                       boundary),
                           "a failure", "no failure"});
  for (auto& f : first_findings)
    if (std::none_of(findings.begin(), findings.end(),
                     [&](const Finding& g) { return g.check == f.check; }))
      r_.findings.push_back(std::move(f));
  for (auto& f : findings)
    r_.findings.push_back(std::move(f));
}

bool RoutineCase::trace_routine() {
  trace_.clear();
  RoutineRunRequest req = request(Injector::kStep, HandlerAction::kNone);
  req.trace = &trace_;
  handler_plan().fault_armed = false;
  reset_buffer();
  const RoutineRunResult res = run_routine(m_, req, plan_, *in_, *out_, nullptr);
  boundaries_ = res.boundaries;
  if (boundaries_ == 0 || trace_.size() != boundaries_) {
    r_.status = Status::kError;
    r_.reason = fmt::format("stepping {} saw {} boundaries", k_.name, boundaries_);
    return false;
  }
  return true;
}

// The oracle: the routine run without any trap. A buffer it does not clear by itself is the
// routine's own fault, not the OS's.
bool RoutineCase::reference_run() {
  RoutineRunRequest plain = request(Injector::kStep, HandlerAction::kNone);
  plain.inject = false;
  handler_plan().fault_armed = false;
  reset_buffer();
  run_routine(m_, plain, plan_, *in_, *ref_, nullptr);
  if (buffer_) {
    const ZeroCheck z = check_zero(buffer_.get(), k_.buffer_bytes);
    if (!z.zero()) {
      r_.status = Status::kError;
      r_.reason = fmt::format("{} without any injection: {}", k_.name,
                              describe_zero_check(z, k_.buffer_bytes));
      return false;
    }
  }
  return true;
}

void RoutineCase::run_step(unsigned generations) {
  BoundarySelection all;
  all.at = ctx_.injection.at;
  all.stride = ctx_.injection.stride;
  for (unsigned g = 1; g <= generations; ++g) {
    prepare(g);
    if (!reference_run()) return;
    trace_.clear();
    RoutineRunRequest req = request(Injector::kStep, kind_.action);
    req.selection = all;
    req.trace = &trace_;
    if (kind_.kind == RoutineKind::kStepFrame) {
      // A clean stepped run records every boundary's frame; the injected run must match them.
      RoutineRunRequest rec = request(Injector::kStep, HandlerAction::kRecordFrame);
      rec.frames = &frames_;
      frames_.prepare(boundaries_ + 1, m_.xsave.standard_size(m_.xcr0) + 64);
      handler_plan().fault_armed = false;
      reset_buffer();
      run_routine(m_, rec, plan_, *in_, *out_, nullptr);
      req.frames = &frames_;
    }
    const RoutineRunResult res = run_once(req);
    r_.injections += res.injected;
    // Every boundary the selection names must have had its transition: a trap the OS dropped
    // would otherwise pass as "nothing went wrong there".
    uint64_t intended = 0;
    for (uint64_t b = 0; b < boundaries_; ++b)
      intended += all.selects(b);
    if (res.boundaries != boundaries_ || res.injected != intended) {
      r_.status = Status::kError;
      r_.reason =
          fmt::format("stepping generation {} saw {} of {} boundaries and injected {} of {}", g,
                      res.boundaries, boundaries_, res.injected, intended);
      return;
    }
    // TF is the injector's, never the interrupted code's: it must not survive into the result.
    if (out_->rflags & RFLAGS_TF) {
      r_.findings.push_back({"step.tf", "RFLAGS.TF is still set after stepping ended", "TF clear",
                             fmt::format("rflags {:#x}", out_->rflags)});
      return;
    }
    std::vector<RegisterDiff> diffs;
    std::vector<Finding> findings;
    const bool differs = differs_from_reference(&diffs, &findings, {});
    if (!differs && res.edit_failed_at < 0 && res.frame_mismatch_at < 0) continue;

    // Localise. Edits and frame checks know their boundary; otherwise bisect over prefixes of
    // the selection: the first boundary whose inclusion makes the run fail.
    int64_t boundary = -1;
    if (res.edit_failed_at >= 0) {
      const InjectionPoint p = point_at(res.edit_failed_at);
      r_.findings.push_back(
          {"edit.took_effect",
           fmt::format("{} edited in the frame at boundary {} ({}) did not hold the new value at "
                       "the next boundary: the routine ignored the frame edit",
                       k_.edit_register, res.edit_failed_at, p.instruction),
           "the edited value", "another value"});
      r_.facts["failing_boundary"] = res.edit_failed_at;
      r_.facts["failing_generation"] = g;
      r_.reproduce_options = reproduce_options(res.edit_failed_at, kind_.action);
      return;
    }
    if (res.frame_mismatch_at >= 0) {
      boundary = res.frame_mismatch_at > 0 ? res.frame_mismatch_at - 1 : 0;
      r_.findings.push_back(
          {"frame.boundary",
           fmt::format("the signal frame at boundary {} differs from a clean run's",
                       res.frame_mismatch_at),
           "identical frames", "a different frame"});
    } else if (all.at >= 0) {
      boundary = all.at;
    } else {
      uint64_t lo = 0, hi = boundaries_;
      while (hi - lo > 1) {
        const uint64_t mid = lo + (hi - lo) / 2;
        BoundarySelection prefix = all;
        prefix.hi = mid;
        if (fails_with(prefix))
          hi = mid;
        else
          lo = mid;
      }
      boundary = static_cast<int64_t>(lo);
    }
    report_boundary(
        boundary, Injector::kStep,
        kind_.action == HandlerAction::kCheckFrame ? HandlerAction::kClobber : kind_.action,
        std::move(diffs), std::move(findings));
    return;
  }
}

// Stepping with a sched_yield at every boundary, while a sibling pinned to the same CPU holds
// its own pattern: each yield switches to it and back. Both must keep their state, and the
// stepping thread must have been switched out at all.
void RoutineCase::run_step_yield(unsigned generations) {
  YieldSibling sibling;
  std::string why;
  // One yield of the sibling per boundary of each generation, and room to spare: once the
  // stepping ends, its remaining yields return at once.
  const uint64_t yields = boundaries_ * generations * 2 + 1000;
  // A fault in the sibling leaks the irritator it is armed with now: this generation's handler
  // values, which the stepping may have left behind by the time the sibling is checked.
  const KnownSource armed{{tag_, handler_role(1), static_cast<uint8_t>(generation_)},
                          Shape::kLanes};
  if (!sibling.start(m_, loaded_, tag_, yields, ctx_.fault, *irritator_, &why)) {
    return r_.set_error(why);
  }
  handler_plan().yield_witness = sibling.caller_witness();
  run_step(generations);
  handler_plan().yield_witness = nullptr;
  const long switches = sibling.caller_switches();
  const uint64_t witnessed = sibling.caller_witness()->seen;
  ClassifyContext cls = classify_;
  cls.known.push_back(armed);
  sibling.finish(m_, cls, r_);
  r_.facts["context_switches"] = switches;
  r_.facts["switches_witnessed"] = witnessed;
  r_.facts["sibling_switches_witnessed"] = sibling.sibling_witnessed();
  r_.facts["sibling_yields"] = yields;
  if (sibling.faulted()) r_.facts["fault_unit"] = "the sibling";
  if (switches == 0 && witnessed == 0 && r_.status != Status::kError && !r_.failed()) {
    no_switch_seen(
        m_, "the stepping thread yielded at every boundary but was never seen switched out", r_);
  }
}

// One run per boundary, each with a single hardware breakpoint or int3.
void RoutineCase::run_at_boundaries(Injector injector, unsigned generations) {
  if (kind_.action == HandlerAction::kEdit || kind_.action == HandlerAction::kCheckFrame) {
    return r_.set_error(fmt::format("--injector {}: {} needs the step injector",
                                    injector_name(injector), handler_action_name(kind_.action)));
  }
  prepare(1);
  if (!trace_routine()) return;
  std::vector<uint64_t> targets;
  if (ctx_.injection.at >= 0) {
    if (static_cast<uint64_t>(ctx_.injection.at) >= boundaries_) {
      r_.status = Status::kError;
      r_.reason = fmt::format("--at {}: {} has {} boundaries (0..{})", ctx_.injection.at, k_.name,
                              boundaries_, boundaries_ - 1);
      r_.usage_error = r_.reason;
      return;
    }
    targets.push_back(static_cast<uint64_t>(ctx_.injection.at));
  } else if (kind_.kind == RoutineKind::kHwbp || kind_.kind == RoutineKind::kInt3) {
    // A sample spread over the run (int3: over the first executions).
    std::vector<uint64_t> candidates;
    for (uint64_t b = 0; b < boundaries_; ++b)
      if (injector == Injector::kInt3 ? occurrence_of(b) == 1 : !inside_rep_iterations(b))
        candidates.push_back(b);
    const size_t n = std::min<size_t>(kBreakpointSamples, candidates.size());
    for (size_t i = 0; i < n; ++i)
      targets.push_back(candidates[i * candidates.size() / n]);
  } else {
    for (uint64_t b = 0; b < boundaries_; b += ctx_.injection.stride)
      targets.push_back(b);
  }
  for (unsigned g = 1; g <= generations; ++g) {
    prepare(g);
    if (!reference_run()) return;
    for (uint64_t b : targets) {
      if (injector == Injector::kHwbp && inside_rep_iterations(b)) {
        return r_.set_error(fmt::format(
            "--injector hwbp cannot stop between iterations of a REP string instruction; "
            "boundary {} is one (use --injector step)",
            b));
      }
      if (injector == Injector::kInt3 && occurrence_of(b) != 1) {
        return r_.set_error(
            fmt::format("--injector int3 fires only at an instruction's first execution; "
                        "boundary {} is execution {} of its instruction",
                        b, occurrence_of(b)));
      }
      RoutineRunRequest req = request(injector, kind_.action);
      req.target_dynamic = b;
      req.target_offset = trace_[b];
      req.occurrence = occurrence_of(b);
      const RoutineRunResult res = run_once(req);
      if (!res.error.empty()) {
        return r_.set_error(res.error);
      }
      if (res.injected != 1) {
        return r_.set_error(fmt::format("{} at boundary {} fired {} times, not once",
                                        injector_name(injector), b, res.injected));
      }
      ++r_.injections;
      std::vector<RegisterDiff> first;
      std::vector<Finding> first_findings;
      if (differs_from_reference(&first, &first_findings, point_at(b))) {
        report_boundary(static_cast<int64_t>(b), injector, kind_.action, std::move(first),
                        std::move(first_findings));
        return;
      }
    }
  }
}

// A zeroing routine runs on slices of a large buffer through the sweep driver, which dirties each
// slice, has the routine clear it and checks it; a bad slice fails the phase.
std::unique_ptr<ZeroSweep> RoutineCase::make_sweep(size_t bytes, StormMemory* memory) {
  auto sweep = std::make_unique<ZeroSweep>(k_, bytes);
  memory->driver = reinterpret_cast<const char*>(&sigctx_zero_sweep);
  memory->check = [s = sweep.get(), bytes]() -> std::string {
    if (s->bad_slice() < 0) return {};
    const ZeroCheck z = check_zero(s->evidence(), s->slice_bytes());
    return fmt::format("slice {} of {} (bytes {} to {} of the {} MiB buffer): {}", s->bad_slice(),
                       s->slices(), s->bad_slice() * s->slice_bytes(),
                       (s->bad_slice() + 1) * s->slice_bytes(), bytes >> 20,
                       describe_zero_check(z, s->slice_bytes()));
  };
  r_.facts["sweep_slices"] = sweep->slices();
  return sweep;
}

void RoutineCase::report_storm_phase(const StormPhase& phase) {
  // The reference is the same loop without signals: compare what this phase produced.
  *ref_ = phase.ref;
  *out_ = phase.out;
  std::vector<RegisterDiff> diffs;
  differs_from_reference(&diffs, &r_.findings, {});
  for (auto& d : diffs) {
    d.where = fmt::format("after the routine loop under the {}", phase.name);
    r_.diffs.push_back(std::move(d));
  }
  if (!phase.memory.empty())
    r_.findings.push_back({fmt::format("{}.buffer", k_.name),
                           fmt::format("under the {}, {}", phase.name, phase.memory), "all zero",
                           "non-zero bytes"});
}

void RoutineCase::run_storm() {
  prepare(1);
  std::unique_ptr<ZeroSweep> sweep;
  StormMemory memory;
  if (k_.buffer_bytes) sweep = make_sweep(kSweepBytes, &memory);
  // --inject-fault: the first delivery inside the hold or the routine misbehaves (the reference
  // loop has none).
  handler_plan().fault_armed = ctx_.fault.active;
  StormResult storm = run_storms(
      m_, k_, plan_, *in_, *out_, *ref_, loaded_,
      [this, s = sweep.get()] {
        reset_buffer();
        if (s) s->reset();
      },
      memory);
  if (sweep) r_.facts["sweep_calls_last_run"] = sweep->calls();
  r_.injections = storm.delivered_in_routine;
  r_.facts["storm"] = storm.facts;
  if (!storm.error.empty()) {
    return r_.set_error(storm.error);
  }
  // The sweep works in its own buffer; the case's small one stays as reset left it.
  if (sweep) std::memset(buffer_.get(), 0, k_.buffer_bytes);
  for (const StormPhase& phase : storm.failed_phases)
    report_storm_phase(phase);
}

void RoutineCase::run_go_preempt() {
  prepare(1);
  StormMemory memory;
  const std::unique_ptr<ZeroSweep> sweep = make_sweep(kGoHeapBytes, &memory);
  PreemptStormOptions o;
  o.signal = SIGURG;
  o.seconds = ctx_.duration_s > 0 ? ctx_.duration_s : kGoPreemptDefaultSeconds;
  o.baseline_seconds = std::min(1.0, o.seconds / 10);
  // --inject-fault: the first delivery inside the hold or the routine misbehaves.
  handler_plan().fault_armed = ctx_.fault.active;
  PreemptStormResult storm = run_preempt_storm(
      m_, k_, plan_, *in_, *out_, *ref_, loaded_, [s = sweep.get()] { s->reset(); }, memory, o);
  r_.injections = storm.delivered_in_routine;
  const double gib = double(1 << 30);
  const double slice = static_cast<double>(sweep->slice_bytes());
  const double baseline_gib_s =
      storm.baseline_seconds > 0 ? storm.baseline_loops * slice / gib / storm.baseline_seconds : 0;
  const double storm_gib_s =
      storm.storm_seconds > 0 ? storm.storm_loops * slice / gib / storm.storm_seconds : 0;
  r_.facts["heap_mib"] = kGoHeapBytes >> 20;
  r_.facts["slice_bytes"] = sweep->slice_bytes();
  r_.facts["seconds"] = storm.storm_seconds;
  r_.facts["zeroed_gib"] = storm.storm_loops * slice / gib;
  r_.facts["throughput_gib_s"] = storm_gib_s;
  r_.facts["baseline_seconds"] = storm.baseline_seconds;
  r_.facts["baseline_throughput_gib_s"] = baseline_gib_s;
  if (baseline_gib_s > 0) r_.facts["throughput_under_storm_ratio"] = storm_gib_s / baseline_gib_s;
  r_.facts["sigurg_sent"] = storm.sent;
  r_.facts["sigurg_delivered"] = storm.delivered;
  r_.facts["sigurg_in_memclr"] = storm.delivered_in_routine;
  r_.facts["sigurg_per_s"] =
      storm.storm_seconds > 0 ? static_cast<double>(storm.delivered) / storm.storm_seconds : 0;
  r_.facts["chunks"] = storm.chunks;
  r_.facts["loops_per_chunk"] = storm.loops_per_chunk;
  r_.facts["corrupt_chunks"] = storm.failed_chunks.size();
  if (!storm.error.empty()) {
    return r_.set_error(storm.error);
  }
  if (buffer_) std::memset(buffer_.get(), 0, k_.buffer_bytes);  // the sweep used its own
  for (const StormPhase& chunk : storm.failed_chunks)
    report_storm_phase(chunk);
}

void RoutineCase::run() {
  init_signal_runtime(m_);
  HandlerPlan& plan = handler_plan();
  plan.fault = ctx_.fault;
  const ComponentMask available = available_components(m_);
  loaded_ = available;
  // Without RD/WRFSBASE every read or write of FS or GS base is an arch_prctl, an MSR access a
  // hypervisor may trap: with patterned bases, each boundary's handler took four (1.64 times the
  // bare step on a nested hypervisor). A routine that does not move them holds the host's then,
  // and the handler takes them as known; signal/*/fsbase and gsbase check them across signals.
  const bool bases_held = m_.fsgsbase_instructions() || (k_.uses & kSegmentBases);
  if (!bases_held) {
    loaded_ &= ~kSegmentBases;
    r_.facts["segment_bases"] =
        "not held: without FSGSBASE instructions each boundary would read and write them "
        "through arch_prctl";
  }
  HostBasesKnown known_bases(!(loaded_ & kSegmentBases));
  irritated_ = available & ~kSegmentBases;
  loaders_ = loaders_for(m_, loaded_);
  stores_ = stores_for(m_, loaded_);
  irritator_loaders_ = loaders_for(m_, irritated_);
  plan_ = {PLAN_ACTION_ROUTINE, loaders_.data(), stores_.data(), default_hold_options(m_)};
  tag_ = seed_tag(ctx_.seed);
  host_gs_ = current_gsbase();
  trace_.reserve(kTraceCapacity);
  if (k_.buffer_bytes) {
    buffer_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, k_.buffer_bytes + kBufferGuard)));
  }
  for (int sig : {SIGTRAP, kStepNestedSignal, kCaptureSignal})
    install_handler(sig, false);

  // Boundaries of one run, and the reference result for generation 1. A storm needs them only
  // as facts: where TF stepping does not work, it runs without them.
  prepare(1);
  const bool storm = kind_.kind == RoutineKind::kStorm || kind_.kind == RoutineKind::kGoPreempt;
  if (storm && !m_.platform.trap_flag.usable()) {
    r_.facts["boundaries"] = "not traced: " + m_.platform.trap_flag.detail;
  } else {
    if (!trace_routine()) return;
    r_.facts["boundaries"] = boundaries_;
    r_.facts["instructions"] = std::set<uint32_t>(trace_.begin(), trace_.end()).size();
  }

  if (kind_.kind == RoutineKind::kStorm) {
    run_storm();
  } else if (kind_.kind == RoutineKind::kGoPreempt) {
    run_go_preempt();
  } else {
    const Injector injector = ctx_.injection.injector.value_or(kind_.injector);
    const unsigned gens = kind_.generations;
    const Availability usable = injector_allowed(m_, injector);
    if (!usable.ok) {  // --injector chose a mechanism this platform lacks
      r_.status = Status::kSkip;
      r_.reason = usable.reason;
    } else if (injector == Injector::kAsync) {
      r_.status = Status::kError;
      r_.reason = "--injector async applies to signal/storm cases only";
    } else if (injector == Injector::kStep) {
      if (ctx_.injection.at >= 0 && static_cast<uint64_t>(ctx_.injection.at) >= boundaries_) {
        r_.status = Status::kError;
        r_.reason = fmt::format("--at {}: {} has {} boundaries (0..{})", ctx_.injection.at, k_.name,
                                boundaries_, boundaries_ - 1);
        r_.usage_error = r_.reason;
      } else if (kind_.kind == RoutineKind::kStepYield) {
        run_step_yield(gens);
      } else {
        run_step(gens);
      }
    } else {
      run_at_boundaries(injector, gens);
    }
  }
  for (int sig : {SIGTRAP, kStepNestedSignal, kCaptureSignal})
    uninstall_handler(sig);
  if (ctx_.fault.active && !plan.fault_applied && r_.status != Status::kError && !r_.failed()) {
    return r_.set_error(
        ctx_.fault.boundary >= 0
            ? fmt::format("--inject-fault {} never fired: boundary {} is not one this case "
                          "injects at (try --at {})",
                          ctx_.fault.spec, ctx_.fault.boundary, ctx_.fault.boundary)
            : fmt::format("--inject-fault {} never fired", ctx_.fault.spec));
  }
  if (r_.status != Status::kError && r_.status != Status::kSkip) r_.set_verdict();
}

}  // namespace

// What an injector needs of the platform beyond the TF stepping that traces every routine.
Availability injector_allowed(const Machine& m, Injector injector) {
  using P = PlatformCapabilities;
  if (injector == Injector::kHwbp) {
    const Availability a = platform_allows(m, &P::perf_breakpoint);
    if (!a.ok) return a;
    std::string why;  // never probed: whether one can be armed at all
    if (!m.platform.perf_breakpoint.works() && !hardware_breakpoints_usable(&why))
      return Availability::no("hardware breakpoints unavailable: " + why);
  }
  if (injector == Injector::kInt3) return platform_allows(m, &P::int3);
  return Availability::yes();
}

// The catalog entries (runners/bug_catalog.cpp) whose symptom a case would show. Every kind
// checks every component available, whatever the routine moves, after a handler that clobbers.
std::vector<std::string> guards_for(RoutineKind kind, const DirtyRoutine& k) {
  std::vector<std::string> g = {"illumos-15254", "linux-6.12-pkru", "uml-avx512-sigreturn",
                                "gvisor-gsbase"};
  // The only asynchronous signals.
  if (kind == RoutineKind::kStorm || kind == RoutineKind::kGoPreempt) g.push_back("darwin-opmask");
  // Valgrind honours GPR edits; an edit of any other register is lost.
  if (kind == RoutineKind::kStepEdit && k.edit_component != ComponentId::kGpr)
    g.push_back("valgrind-sigcontext");
  return g;
}

void add_routine_cases(const RoutineKindRow& kind, std::vector<CaseDescriptor>& out) {
  for (const DirtyRoutine* k : all_routines()) {
    if (kind.only_routine && k->name != std::string_view(kind.only_routine)) continue;
    CaseDescriptor d;
    d.id = fmt::format("{}/{}/{}", kind.area, kind.prefix, k->name);
    d.description = fmt::format("{}: {}", k->description, kind.what);
    d.guards = guards_for(kind.kind, *k);
    d.transition = fmt::format("{}/{}", kind.area, kind.prefix);
    d.handler = handler_action_name(kind.action);
    d.injector = injector_name(kind.injector);
    d.routine = std::string(k->name);
    d.components = k->uses;
    if (kind.profile) d.profile = kind.profile;
    const RoutineKind which = kind.kind;
    // Storms and the Go profile inject asynchronously: no boundary to choose.
    d.takes_boundaries = which != RoutineKind::kStorm && which != RoutineKind::kGoPreempt;
    const Injector injector = kind.injector;
    d.applicable = [k, which, injector](const Machine& m) {
      Availability a = routine_available(*k, m);
      if (!a.ok) return a;
      // Every kind but the storms traces its routine with TF single steps first.
      if (which != RoutineKind::kStorm && which != RoutineKind::kGoPreempt) {
        a = platform_allows(m, &PlatformCapabilities::trap_flag);
        if (!a.ok) return a;
      }
      return injector_allowed(m, injector);
    };
    const RoutineKindRow* info = &kind;
    d.run = [k, info](const CaseContext& ctx, CaseResult& r) {
      RoutineCase(*info, *k, ctx, r).run();
    };
    out.push_back(std::move(d));
  }
}

}  // namespace sigctx
