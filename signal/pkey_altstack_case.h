// signal/altstack/pkey-denied: a signal delivered on a sigaltstack whose protection key the
// interrupted code's PKRU denies (linux-pkru-altstack, linux-6.12-pkru).
#pragma once

#include "engine/case.h"

namespace sigctx {

void run_pkey_altstack_case(const CaseContext& ctx, CaseResult& r);

// PKRU with every key but `key` access- and write-disabled: key 0 too.
constexpr uint32_t pkru_denying_all_but(int key) {
  return ~(3u << (2 * key));
}

}  // namespace sigctx
