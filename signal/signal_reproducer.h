// The signal family's reproducer driver (engine/reproducer.h) and each case's plan.
#pragma once

#include "engine/reproducer.h"
#include "signal/signal_transition.h"

namespace sigctx {

// C text: the driver, which calls the hooks set_up, arm, disarm and on_entry and reads the
// macros SIGNO, PER_HOLD, EXPECT and EXPECT_INIT (and SIGSEGV_ALLOWED) a transition's hooks
// define.
extern const char* const kSignalDriver;

ReproducerPlan signal_reproducer(const SignalTransition& t, const SignalVariant& v);

}  // namespace sigctx
