// context/thread: a thread captures its pattern with getcontext and exits; another thread loads
// its own pattern and resumes the context with setcontext. FS and GS base must stay the resuming
// thread's (illumos-15206 resumed the captured thread's TLS).
#include <pthread.h>

#include <fmt/format.h>
#include <cstdlib>
#include <cstring>

#include "context/context_control.h"
#include "context/context_transition.h"
#include "engine/case_support.h"

namespace sigctx {
namespace {

// The capturing thread: holds the pattern, captures it and ends inside the capture. What
// follows sigctx_hold runs on the resuming thread, on this thread's stack.
void* capture_and_exit(void*) {
  ContextRun& run = running_context();
  ContextShared& s = run.s;
  s.capturing_fsbase = current_fsbase();
  s.in.host_fsbase = s.capturing_fsbase;
  s.in.host_gsbase = current_gsbase();
  hold_in_routine(run, reinterpret_cast<const void*>(&sigctx_context_routine_capture_exit));
  s.mask_after = current_sigmask();
  sigctx_context_control.setcontext(sigctx_context_control.back);
  abort();  // setcontext failed
}

class Thread : public ContextTransition {
 public:
  const char* name() const override { return "thread"; }
  const char* handler() const override { return "none"; }
  const char* injector() const override {
    return "getcontext on a thread that exits; setcontext on another";
  }
  const char* routine() const override { return "sigctx_context_routine_capture_exit"; }
  const char* what() const override {
    return "a thread captures its pattern with getcontext and exits; another thread loads its "
           "own pattern and resumes the context with setcontext; FS and GS base must stay the "
           "resuming thread's";
  }
  // Every resume on another thread checks that FS base stays the resuming thread's.
  std::vector<std::string> guards() const override { return {"illumos-15206"}; }
  uint8_t irritator_role() const override { return static_cast<uint8_t>(kRoleThread0 + 1); }
  bool checks_segment_bases() const override { return true; }
  const char* where() const override { return "after setcontext on another thread"; }
  InjectionPoint injection_point() const override {
    return routine_point(routine(),
                         reinterpret_cast<const void*>(&sigctx_context_routine_capture_exit),
                         sigctx_context_capture_resumed);
  }

  bool resume(ContextRun& run, CaseResult& r) override {
    ContextShared& s = run.s;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, s.thread_stack, sizeof(s.thread_stack));
    pthread_t thread;
    const int rc = pthread_create(&thread, &attr, capture_and_exit, nullptr);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      r.set_error(fmt::format("pthread_create failed: {}", std::strerror(rc)));
      return false;
    }
    pthread_join(thread, nullptr);
    if (sigctx_context_control.phase != 1) {
      r.set_error("the capturing thread ended without capturing its context");
      return false;
    }
    // The hold's stores put these back when the resumed code leaves the hold: they must be
    // this thread's, not the exited one's.
    s.out.host_fsbase = s.resuming_fsbase;
    s.out.host_gsbase = s.resuming_gsbase;
    sigctx_context_resume_here();
    return true;
  }

  void reclassify(const ContextRun& run, std::vector<RegisterDiff>& diffs) const override {
    for (RegisterDiff& d : diffs) {
      if (d.component != ComponentId::kFsbase || d.actual.size() != 8) continue;
      uint64_t actual = 0;
      std::memcpy(&actual, d.actual.data(), 8);
      if (actual == run.s.capturing_fsbase) {
        d.cls = DiffClass::kForeign;
        d.source = "the FS base of the thread that captured the context";
      }
    }
  }
};

}  // namespace

std::unique_ptr<ContextTransition> make_thread_transition() {
  return std::make_unique<Thread>();
}

}  // namespace sigctx
