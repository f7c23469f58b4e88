// libFuzzer target: the expectation-file parser (--expect FILE). Whatever the bytes, it must
// not crash, hang or trip the sanitizers, and a rejection names the file and a line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "results/expectations.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sigctx::ExpectationSet set;
  std::string error;
  if (!sigctx::parse_expectations(text, "fuzz.json", &set, &error)) {
    if (error.rfind("fuzz.json", 0) != 0) std::abort();
    return 0;
  }
  // An accepted file judges a result without crashing.
  sigctx::CaseResult r;
  r.id = "signal/sync/avx";
  r.status = sigctx::Status::kFail;
  r.findings.push_back({"frame.magic1", "m", "e", "a"});
  sigctx::apply_expectations(set, sigctx::platform_facts(nlohmann::json::object()), r);
  return 0;
}
