#pragma once

// One worker's timers: an intrusive binary min-heap ordered by deadline. A Timer is a member of
// whatever it times (a connection, a pool), so arming, re-arming and cancelling never allocate
// once the heap has grown to the number of timers armed at once. Single-threaded.
//
//   struct Conn : io::TimerHandler { io::Timer idle{this}; void onTimer(io::Timer&) override; };
//   timers.arm(conn.idle, now + 10s);   // re-arming moves it
//   timers.cancel(conn.idle);           // harmless when not armed
//   timers.fire(now);                   // calls onTimer for every timer due

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weir::proxy::io {

using Clock = std::chrono::steady_clock;

class Timer;

class TimerHandler {
 public:
  virtual ~TimerHandler() = default;
  virtual void onTimer(Timer& timer) = 0;
};

class Timer {
 public:
  explicit Timer(TimerHandler* handler) : handler_(handler) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  bool armed() const { return index_ != kNotArmed; }
  Clock::time_point deadline() const { return deadline_; }

 private:
  friend class TimerQueue;
  static constexpr size_t kNotArmed = SIZE_MAX;
  TimerHandler* handler_;
  Clock::time_point deadline_{};
  size_t index_ = kNotArmed;
  uint64_t seq_ = 0;  // when it was armed, in TimerQueue::arm calls
};

class TimerQueue {
 public:
  void arm(Timer& t, Clock::time_point deadline);
  void cancel(Timer& t);
  // Calls onTimer, in deadline order, for every timer whose deadline is <= now. A handler may
  // arm or cancel any timer, itself included; one armed again for <= now fires in a later call.
  size_t fire(Clock::time_point now);
  // The earliest deadline; Clock::time_point::max() when nothing is armed.
  Clock::time_point next() const;
  size_t size() const { return heap_.size(); }

 private:
  void up(size_t i);
  void down(size_t i);
  void place(size_t i, Timer* t);
  std::vector<Timer*> heap_;
  uint64_t seq_ = 0;
};

}  // namespace weir::proxy::io
