#include "userspace-proxy/io/timer.h"

#include <utility>

namespace weir::proxy::io {

void TimerQueue::place(size_t i, Timer* t) {
  heap_[i] = t;
  t->index_ = i;
}

void TimerQueue::up(size_t i) {
  Timer* t = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (heap_[parent]->deadline_ <= t->deadline_) {
      break;
    }
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void TimerQueue::down(size_t i) {
  Timer* t = heap_[i];
  size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) {
      break;
    }
    if (child + 1 < n && heap_[child + 1]->deadline_ < heap_[child]->deadline_) {
      ++child;
    }
    if (t->deadline_ <= heap_[child]->deadline_) {
      break;
    }
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
}

void TimerQueue::arm(Timer& t, Clock::time_point deadline) {
  t.seq_ = seq_++;
  if (t.armed()) {
    Clock::time_point old = std::exchange(t.deadline_, deadline);
    if (deadline < old) {
      up(t.index_);
    } else {
      down(t.index_);
    }
    return;
  }
  t.deadline_ = deadline;
  heap_.push_back(&t);
  t.index_ = heap_.size() - 1;
  up(t.index_);
}

void TimerQueue::cancel(Timer& t) {
  if (!t.armed()) {
    return;
  }
  size_t i = t.index_;
  t.index_ = Timer::kNotArmed;
  Timer* last = heap_.back();
  heap_.pop_back();
  if (last == &t) {
    return;
  }
  place(i, last);
  if (i > 0 && last->deadline_ < heap_[(i - 1) / 2]->deadline_) {
    up(i);
  } else {
    down(i);
  }
}

size_t TimerQueue::fire(Clock::time_point now) {
  size_t fired = 0;
  // Only timers armed before this call fire: one a handler arms again for <= now waits for the
  // next call (and stops this one), so a handler cannot keep this loop going.
  const uint64_t armedBefore = seq_;
  while (!heap_.empty() && heap_.front()->deadline_ <= now && heap_.front()->seq_ < armedBefore) {
    Timer* t = heap_.front();
    cancel(*t);
    ++fired;
    t->handler_->onTimer(*t);
  }
  return fired;
}

Clock::time_point TimerQueue::next() const {
  return heap_.empty() ? Clock::time_point::max() : heap_.front()->deadline_;
}

}  // namespace weir::proxy::io
