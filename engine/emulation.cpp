#include "engine/emulation.h"

#include <sys/mman.h>

#include <atomic>
#include <new>

namespace sigctx {

namespace {
const Emulation* g_active = nullptr;
// In memory shared with the forked grandchildren some cases deliver in: an emulation that ends
// its process (linux-pkru-altstack) still counts.
std::atomic<uint64_t> g_local_applications{0};
std::atomic<uint64_t>* g_applications = &g_local_applications;

std::atomic<uint64_t>* shared_counter() {
  void* p = mmap(nullptr, sizeof(std::atomic<uint64_t>), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return &g_local_applications;
  return new (p) std::atomic<uint64_t>(0);
}
static_assert(std::atomic<uint64_t>::is_always_lock_free);
}  // namespace

const Emulation* find_emulation(std::string_view bug) {
  for (const Emulation& e : emulations())
    if (e.bug == bug) return &e;
  return nullptr;
}

void activate_emulation(const Emulation* e, const Machine& m, uint64_t seed) {
  g_active = e;
  // A fresh counter per activation: one inherited from the parent would be shared with its
  // other children.
  g_applications = e ? shared_counter() : &g_local_applications;
  g_applications->store(0);
  // The switch hooks count in assembly (lock inc on the same 8 bytes).
  static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t));
  sigctx_emulation_counter = reinterpret_cast<uint64_t*>(g_applications);
  if (e && e->prepare) e->prepare(m, seed);
}

const Emulation* active_emulation() {
  return g_active;
}

uint64_t emulation_applications() {
  return g_applications->load();
}

void note_emulation_applications(uint64_t n) {
  g_applications->fetch_add(n);
}

void emulate_on_entry(EmulationSite& s) {
  if (g_active && g_active->on_entry && g_active->on_entry(s)) g_applications->fetch_add(1);
}

void emulate_on_return(EmulationSite& s) {
  if (g_active && g_active->on_return && g_active->on_return(s)) g_applications->fetch_add(1);
}

void emulate_on_context_resume(ContextResumeSite& s) {
  if (g_active && g_active->on_context_resume && g_active->on_context_resume(s))
    g_applications->fetch_add(1);
}

void emulate_on_ptrace_xstate_write(const Machine& m, uint8_t* area, size_t len) {
  if (g_active && g_active->on_ptrace_xstate_write &&
      g_active->on_ptrace_xstate_write(m, area, len))
    g_applications->fetch_add(1);
}

void emulate_on_core_xstate_note(const Machine& m, uint8_t* note, size_t len,
                                 bool slept_after_load) {
  if (g_active && g_active->on_core_xstate_note &&
      g_active->on_core_xstate_note(m, note, len, slept_after_load))
    g_applications->fetch_add(1);
}

}  // namespace sigctx
