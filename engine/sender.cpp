#include "engine/sender.h"

#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>

#include "engine/handler.h"
#include "engine/hold.h"

namespace sigctx {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kArmTimeout = std::chrono::seconds(5);
constexpr auto kAckTimeout = std::chrono::seconds(5);
}  // namespace

SignalSender::SignalSender(pid_t target_tid, int sig, std::atomic<uint64_t>& delivered,
                           std::atomic<bool>& exited, long min_interval_ns)
    : pid_(getpid()),
      tid_(target_tid),
      sig_(sig),
      min_interval_ns_(min_interval_ns),
      delivered_(delivered),
      exited_(exited) {}

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
  // Sleeps on the handler's acknowledgement (HandlerPlan::ack), leaving the CPU to the target.
  DeliveryAck& ack = handler_plan().ack;
  ack.waiters.fetch_add(1);
  auto next_send = Clock::now();
  while (!exited_.load()) {
    if (min_interval_ns_ > 0) {
      std::this_thread::sleep_until(next_send);
      next_send = Clock::now() + std::chrono::nanoseconds(min_interval_ns_);
      if (exited_.load()) break;
    }
    const uint64_t before = delivered_.load();
    uint32_t word = ack.word.load();
    syscall(SYS_tgkill, pid_, tid_, sig_);
    sent_.fetch_add(1);
    const auto deadline = Clock::now() + kAckTimeout;
    while (delivered_.load() == before && !exited_.load()) {
      if (Clock::now() > deadline) {
        error_ = fmt::format("signal {} was not delivered within {} s", sent_.load(),
                             std::chrono::duration_cast<std::chrono::seconds>(kAckTimeout).count());
        break;
      }
      // Returns at once if a delivery changed the word since it was read; wakes for `exited`
      // within a millisecond.
      const timespec wait{0, 1000000};
      syscall(SYS_futex, &ack.word, FUTEX_WAIT_PRIVATE, word, &wait, nullptr, 0);
      word = ack.word.load();
    }
    if (!error_.empty()) break;
  }
  ack.waiters.fetch_sub(1);
}

}  // namespace sigctx
