#include "signal/emulation.h"

#include <atomic>

namespace sigctx {

namespace {
const Emulation* g_active = nullptr;
std::atomic<uint64_t> g_applications{0};
}  // namespace

const Emulation* find_emulation(std::string_view bug) {
  for (const Emulation& e : emulations())
    if (e.bug == bug) return &e;
  return nullptr;
}

void activate_emulation(const Emulation* e, const Machine& m, uint64_t seed) {
  g_active = e;
  g_applications.store(0);
  if (e && e->prepare) e->prepare(m, seed);
}

const Emulation* active_emulation() {
  return g_active;
}

uint64_t emulation_applications() {
  return g_applications.load();
}

void note_emulation_applications(uint64_t n) {
  g_applications.fetch_add(n);
}

void emulate_on_entry(EmulationSite& s) {
  if (g_active && g_active->on_entry && g_active->on_entry(s)) g_applications.fetch_add(1);
}

void emulate_on_return(EmulationSite& s) {
  if (g_active && g_active->on_return && g_active->on_return(s)) g_applications.fetch_add(1);
}

void emulate_on_context_resume(ContextResumeSite& s) {
  if (g_active && g_active->on_context_resume && g_active->on_context_resume(s))
    g_applications.fetch_add(1);
}

}  // namespace sigctx
