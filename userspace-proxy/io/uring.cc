#include "userspace-proxy/io/uring.h"

#include <sys/mman.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

namespace weir::proxy::io {

Result<Uring*> Uring::create(unsigned entries) {
  auto* u = new Uring();
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL |
            IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init_params(entries, &u->ring_, &p);
  if (rc == -EINVAL) {
    // Older kernels: plain ring.
    p = io_uring_params{};
    rc = io_uring_queue_init_params(entries, &u->ring_, &p);
  }
  if (rc < 0) {
    delete u;
    return osError(-rc, "io_uring_queue_init");
  }
  return u;
}

Uring::~Uring() { io_uring_queue_exit(&ring_); }

io_uring_sqe* Uring::sqe() {
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  while (s == nullptr) {
    io_uring_submit(&ring_);
    s = io_uring_get_sqe(&ring_);
  }
  return s;
}

void Uring::submitAndWait(unsigned timeoutMs) {
  __kernel_timespec ts{.tv_sec = timeoutMs / 1000, .tv_nsec = (timeoutMs % 1000) * 1000000LL};
  io_uring_cqe* cqe = nullptr;
  io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
}

Result<BufferRing*> BufferRing::create(Uring& ring, uint16_t group, uint32_t count, uint32_t size,
                                       uint32_t initial) {
  if (count == 0 || (count & (count - 1)) != 0 || count > 32768) {
    return plainError("buffer count must be a power of two up to 32768");
  }
  auto* b = new BufferRing();
  b->ring_ = ring.raw();
  b->group_ = group;
  b->count_ = count;
  b->size_ = size;
  b->ringBytes_ = count * sizeof(io_uring_buf);
  void* r = ::mmap(nullptr, b->ringBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) {
    int err = errno;
    delete b;
    return osError(err, "mmap buffer ring");
  }
  b->br_ = static_cast<io_uring_buf_ring*>(r);
  b->dataBytes_ = static_cast<size_t>(count) * size;
  // Untouched pages cost no memory: an idle proxy's RSS does not grow with the buffer count.
  void* d = ::mmap(nullptr, b->dataBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (d == MAP_FAILED) {
    int err = errno;
    delete b;
    return osError(err, "mmap receive buffers");
  }
  b->base_ = static_cast<char*>(d);
  io_uring_buf_ring_init(b->br_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(b->br_);
  reg.ring_entries = count;
  reg.bgid = group;
  int rc = io_uring_register_buf_ring(b->ring_, &reg, 0);
  if (rc < 0) {
    b->ring_ = nullptr;
    delete b;
    return osError(-rc, "io_uring_register_buf_ring");
  }
  b->grow(initial == 0 ? count : initial);
  return b;
}

BufferRing::~BufferRing() {
  if (ring_ != nullptr) {
    io_uring_unregister_buf_ring(ring_, group_);
  }
  if (base_ != nullptr) {
    ::munmap(base_, dataBytes_);
  }
  if (br_ != nullptr) {
    ::munmap(br_, ringBytes_);
  }
}

uint32_t BufferRing::grow(uint32_t n) {
  n = std::min(n, count_ - provided_);
  for (uint32_t i = 0; i < n; ++i) {
    auto id = static_cast<uint16_t>(provided_ + i);
    io_uring_buf_ring_add(br_, data(id), size_, id, io_uring_buf_ring_mask(count_),
                          static_cast<int>(pending_ + i));
  }
  pending_ += n;
  provided_ += n;
  flush();
  return n;
}

void BufferRing::give(uint16_t id) {
  io_uring_buf_ring_add(br_, data(id), size_, id, io_uring_buf_ring_mask(count_),
                        static_cast<int>(pending_));
  ++pending_;
  --lent_;
}

void BufferRing::flush() {
  if (pending_ != 0) {
    io_uring_buf_ring_advance(br_, static_cast<int>(pending_));
    pending_ = 0;
  }
}

}  // namespace weir::proxy::io
