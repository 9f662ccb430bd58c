// The worker's timer heap: deadline order, re-arming, cancelling from a handler, and the bound
// on how much one fire() call runs.

#include "userspace-proxy/io/timer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace weir::proxy::io {
namespace {

using std::chrono::milliseconds;

struct Recorder : TimerHandler {
  std::vector<std::string>* fired = nullptr;
  std::string name;
  std::function<void(Timer&)> then;
  Timer timer{this};
  void onTimer(Timer& t) override {
    fired->push_back(name);
    if (then) {
      then(t);
    }
  }
};

TEST(TimerQueueTest, FiresDueTimersInDeadlineOrder) {
  const Clock::time_point t0{};
  std::vector<std::string> fired;
  Recorder a, b, c;
  for (auto [r, n] : {std::pair{&a, "a"}, std::pair{&b, "b"}, std::pair{&c, "c"}}) {
    r->fired = &fired;
    r->name = n;
  }
  TimerQueue q;
  q.arm(c.timer, t0 + milliseconds(30));
  q.arm(a.timer, t0 + milliseconds(10));
  q.arm(b.timer, t0 + milliseconds(20));
  EXPECT_EQ(q.next(), t0 + milliseconds(10));
  EXPECT_EQ(q.fire(t0 + milliseconds(5)), 0u);
  EXPECT_EQ(q.fire(t0 + milliseconds(20)), 2u);
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(a.timer.armed());
  EXPECT_TRUE(c.timer.armed());
  q.arm(c.timer, t0 + milliseconds(15));  // re-armed earlier: moves up
  EXPECT_EQ(q.next(), t0 + milliseconds(15));
  q.cancel(c.timer);
  q.cancel(c.timer);  // harmless twice
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.next(), Clock::time_point::max());
}

TEST(TimerQueueTest, HandlerMayCancelOthersAndRearmItselfForLater) {
  const Clock::time_point t0{};
  std::vector<std::string> fired;
  Recorder a, b;
  a.fired = b.fired = &fired;
  a.name = "a";
  b.name = "b";
  TimerQueue q;
  a.then = [&](Timer& t) {
    q.cancel(b.timer);
    q.arm(t, t0);  // due again at once: fires in the next call, not this one
  };
  q.arm(a.timer, t0);
  q.arm(b.timer, t0 + milliseconds(1));
  EXPECT_EQ(q.fire(t0 + milliseconds(1)), 1u);
  EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
  a.then = nullptr;
  EXPECT_EQ(q.fire(t0 + milliseconds(1)), 1u);
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "a"}));
}

TEST(TimerQueueTest, RandomArmsAndCancelsKeepTheHeapOrdered) {
  const Clock::time_point t0{};
  std::mt19937 rng(7);
  std::vector<std::string> fired;
  std::vector<Recorder> timers(200);
  std::vector<Clock::time_point> deadlines;
  for (size_t i = 0; i < timers.size(); ++i) {
    timers[i].fired = &fired;
    timers[i].name = std::to_string(i);
    timers[i].then = [&](Timer& t) { deadlines.push_back(t.deadline()); };
  }
  TimerQueue q;
  for (int round = 0; round < 5000; ++round) {
    Recorder& r = timers[rng() % timers.size()];
    if (rng() % 3 == 0) {
      q.cancel(r.timer);
    } else {
      q.arm(r.timer, t0 + milliseconds(rng() % 1000));
    }
  }
  size_t armed = 0;
  for (const Recorder& r : timers) {
    armed += r.timer.armed() ? 1 : 0;
  }
  ASSERT_EQ(q.size(), armed);
  EXPECT_EQ(q.fire(t0 + milliseconds(1000)), armed);
  ASSERT_EQ(deadlines.size(), armed);
  EXPECT_TRUE(std::is_sorted(deadlines.begin(), deadlines.end()));
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace weir::proxy::io
