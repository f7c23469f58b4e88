// A sibling thread that delivers signals to one thread while it spins holding its state:
// tgkill, then wait until the handler has counted the delivery, then the next one. One signal
// in flight at a time, so none merges with a pending one and every delivery is counted.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace sigctx {

class SignalSender {
 public:
  // min_interval_ns > 0: at least that long from one tgkill to the next, so that a handler
  // slower than the storms' period leaves the held loop time to run (0: back to back).
  SignalSender(pid_t target_tid, int sig, std::atomic<uint64_t>& delivered,
               std::atomic<bool>& exited, long min_interval_ns = 0);
  ~SignalSender();
  // Waits for sigctx_spin_armed, then sends until `exited` turns true.
  void start();
  void join();
  uint64_t sent() const { return sent_.load(); }
  const std::string& error() const { return error_; }

 private:
  void run();
  pid_t pid_, tid_;
  int sig_;
  long min_interval_ns_;
  std::atomic<uint64_t>& delivered_;
  std::atomic<bool>& exited_;
  std::atomic<uint64_t> sent_{0};
  std::string error_;
  std::thread thread_;
};

}  // namespace sigctx
