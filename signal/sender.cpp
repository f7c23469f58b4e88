#include "signal/sender.h"

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>

#include "signal/hold.h"

namespace sigctx {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kArmTimeout = std::chrono::seconds(5);
constexpr auto kAckTimeout = std::chrono::seconds(5);
}  // namespace

SignalSender::SignalSender(pid_t target_tid, int sig, std::atomic<uint64_t>& delivered,
                           std::atomic<bool>& exited)
    : pid_(getpid()), tid_(target_tid), sig_(sig), delivered_(delivered), exited_(exited) {}

SignalSender::~SignalSender() {
  join();
}

void SignalSender::start() {
  thread_ = std::thread([this] { run(); });
}

void SignalSender::join() {
  if (thread_.joinable()) thread_.join();
}

void SignalSender::run() {
  // Only the target thread may take the signal.
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, sig_);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);

  const auto arm_deadline = Clock::now() + kArmTimeout;
  while (!__atomic_load_n(&sigctx_spin_armed, __ATOMIC_ACQUIRE)) {
    if (Clock::now() > arm_deadline) {
      error_ = "the holding thread never reached its spin loop";
      return;
    }
    sched_yield();
  }
  while (!exited_.load()) {
    const uint64_t before = delivered_.load();
    syscall(SYS_tgkill, pid_, tid_, sig_);
    sent_.fetch_add(1);
    const auto deadline = Clock::now() + kAckTimeout;
    while (delivered_.load() == before && !exited_.load()) {
      if (Clock::now() > deadline) {
        error_ = fmt::format("signal {} was not delivered within {} s", sent_.load(),
                             std::chrono::duration_cast<std::chrono::seconds>(kAckTimeout).count());
        return;
      }
      sched_yield();
    }
  }
}

}  // namespace sigctx
