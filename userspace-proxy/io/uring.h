#pragma once

// io_uring for one worker thread: the ring (single issuer, deferred task running where the kernel
// has them) and a provided-buffer ring that multishot receives take their buffers from. Nothing
// here is shared between threads.

#include <liburing.h>

#include <cstdint>
#include <span>
#include <vector>

#include "common/base/result.h"

namespace weir::proxy::io {

class Uring {
 public:
  static Result<Uring*> create(unsigned entries);  // owned by the caller (delete)
  ~Uring();
  Uring(const Uring&) = delete;
  Uring& operator=(const Uring&) = delete;

  // A free submission entry; submits what is queued when the queue is full.
  io_uring_sqe* sqe();
  // Submits queued entries and waits up to `timeoutMs` for at least one completion.
  void submitAndWait(unsigned timeoutMs);
  // Calls fn(cqe) for every completion ready now.
  template <typename Fn>
  unsigned drain(Fn&& fn) {
    unsigned head = 0;
    unsigned n = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      fn(*cqe);
      ++n;
    }
    io_uring_cq_advance(&ring_, n);
    return n;
  }
  io_uring* raw() { return &ring_; }

 private:
  Uring() = default;
  io_uring ring_{};
};

// Buffers the kernel picks from for multishot receives (one buffer group). A buffer is the
// kernel's until a completion names it, then ours until give() hands it back. The ring has room
// for `count` buffers, but only `initial` are provided at first: the kernel cycles through every
// buffer it is given, so each one provided is memory that stays resident. grow() provides more
// when receives ran out.
class BufferRing {
 public:
  static Result<BufferRing*> create(Uring& ring, uint16_t group, uint32_t count, uint32_t size,
                                    uint32_t initial);
  ~BufferRing();
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;

  uint16_t group() const { return group_; }
  uint32_t size() const { return size_; }
  uint32_t count() const { return count_; }
  uint32_t provided() const { return provided_; }
  // Provides up to n more buffers (never beyond count); returns how many were added.
  uint32_t grow(uint32_t n);
  char* data(uint16_t id) { return base_ + static_cast<size_t>(id) * size_; }
  // Returns a buffer to the kernel; visible to it at the next flush().
  void give(uint16_t id);
  void flush();
  uint32_t lent() const { return lent_; }  // buffers the kernel handed us and we still hold
  void took() { ++lent_; }

 private:
  BufferRing() = default;
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  char* base_ = nullptr;
  size_t ringBytes_ = 0;
  size_t dataBytes_ = 0;
  uint16_t group_ = 0;
  uint32_t count_ = 0;
  uint32_t size_ = 0;
  uint32_t provided_ = 0;  // buffer ids 0..provided_-1 exist
  uint32_t pending_ = 0;   // given back since the last flush
  uint32_t lent_ = 0;
};

}  // namespace weir::proxy::io
