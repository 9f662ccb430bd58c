#pragma once

// A FIFO on one growable circular buffer: what a stream's inbox and outbox are. Unlike
// std::deque, an empty queue owns no memory, and one that has grown keeps its buffer, so a
// long-lived connection queues and dequeues without allocating.

#include <cstddef>
#include <utility>
#include <vector>

namespace weir::proxy::io {

template <typename T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& front() { return buf_[head_]; }
  T& back() { return (*this)[size_ - 1]; }
  T& operator[](size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }

  void push_back(T&& v) {
    if (size_ == buf_.size()) {
      grow();
    }
    (*this)[size_] = std::move(v);
    ++size_;
  }
  void pop_front() {
    buf_[head_] = T();
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }
  void clear() {
    while (!empty()) {
      pop_front();
    }
    head_ = 0;
  }
  // Gives the memory back (a connection going idle in a pool).
  void shrink() {
    if (empty()) {
      std::vector<T>().swap(buf_);
      head_ = 0;
    }
  }

 private:
  void grow() {
    std::vector<T> next(buf_.empty() ? 4 : buf_.size() * 2);  // sizes stay powers of two
    for (size_t i = 0; i < size_; ++i) {
      next[i] = std::move((*this)[i]);
    }
    buf_.swap(next);
    head_ = 0;
  }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace weir::proxy::io
