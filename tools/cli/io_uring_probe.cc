#include "tools/cli/io_uring_probe.h"

#include <liburing.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <memory>
#include <utility>

#include "common/base/fd.h"

namespace weir::cli {

namespace {

constexpr unsigned kEntries = 8;

class Ring {
 public:
  Ring() = default;
  ~Ring() {
    if (ok_) {
      io_uring_queue_exit(&ring_);
    }
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  Status init() {
    int ret = io_uring_queue_init(kEntries, &ring_, 0);
    if (ret < 0) {
      return osError(-ret, "io_uring_setup");
    }
    ok_ = true;
    return {};
  }
  io_uring* get() { return &ring_; }

 private:
  io_uring ring_{};
  bool ok_ = false;
};

struct ProbeFree {
  void operator()(io_uring_probe* p) const { io_uring_free_probe(p); }
};

// Registers and unregisters a small provided buffer ring (liburing 2.3 has no
// io_uring_setup_buf_ring, see DESIGN.md).
Status tryBufferRing(io_uring* ring) {
  constexpr size_t kBytes = 4096;  // page aligned, room for kEntries io_uring_buf entries
  void* mem = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    return osError(errno, "mmap buffer ring");
  }
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(mem);
  reg.ring_entries = kEntries;
  reg.bgid = 0;
  int ret = io_uring_register_buf_ring(ring, &reg, 0);
  if (ret == 0) {
    io_uring_unregister_buf_ring(ring, 0);
  }
  ::munmap(mem, kBytes);
  if (ret < 0) {
    return osError(-ret, "register a provided buffer ring");
  }
  return {};
}

Status tryMultishotAccept(io_uring* ring) {
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) {
    return osError(errno, "socket");
  }
  // Binding only the family autobinds a unique abstract address.
  sockaddr_un addr{.sun_family = AF_UNIX};
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(sa_family_t)) != 0 ||
      ::listen(listener.get(), 4) != 0) {
    return osError(errno, "listen on an abstract unix socket");
  }
  socklen_t len = sizeof(addr);
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return osError(errno, "getsockname");
  }

  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  io_uring_prep_multishot_accept(sqe, listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
  int ret = io_uring_submit(ring);
  if (ret < 0) {
    return osError(-ret, "io_uring_submit");
  }
  UniqueFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!client.valid() || ::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return osError(errno, "connect to the abstract unix socket");
  }

  __kernel_timespec timeout{.tv_sec = 2, .tv_nsec = 0};
  io_uring_cqe* cqe = nullptr;
  ret = io_uring_wait_cqe_timeout(ring, &cqe, &timeout);
  if (ret < 0) {
    return osError(-ret, "wait for the multishot accept completion");
  }
  int res = cqe->res;
  unsigned flags = cqe->flags;
  io_uring_cqe_seen(ring, cqe);
  if (res < 0) {
    return osError(-res, "multishot accept");
  }
  UniqueFd accepted(res);
  if ((flags & IORING_CQE_F_MORE) == 0) {
    return plainError("multishot accept completed without IORING_CQE_F_MORE");
  }
  return {};
}

}  // namespace

Result<std::string> probeIoUringSetup() {
  Ring ring;
  if (Status s = ring.init(); !s) {
    return s.error();
  }
  return std::string();
}

Result<std::string> probeIoUringOpcodes() {
  Ring ring;
  if (Status s = ring.init(); !s) {
    return s.error();
  }
  std::unique_ptr<io_uring_probe, ProbeFree> probe(io_uring_get_probe_ring(ring.get()));
  if (!probe) {
    return plainError("IORING_REGISTER_PROBE failed");
  }
  constexpr std::pair<int, const char*> kOps[] = {
      {IORING_OP_ACCEPT, "ACCEPT"}, {IORING_OP_CONNECT, "CONNECT"},
      {IORING_OP_RECV, "RECV"},     {IORING_OP_SEND, "SEND"},
      {IORING_OP_CLOSE, "CLOSE"},   {IORING_OP_PROVIDE_BUFFERS, "PROVIDE_BUFFERS"},
  };
  std::string missing;
  for (const auto& [op, name] : kOps) {
    if (!io_uring_opcode_supported(probe.get(), op)) {
      missing += missing.empty() ? "" : ", ";
      missing += std::string("IORING_OP_") + name;
    }
  }
  if (!missing.empty()) {
    return plainError("unsupported opcodes: " + missing);
  }
  return std::string();
}

Result<std::string> probeIoUringMultishot() {
  Ring ring;
  if (Status s = ring.init(); !s) {
    return s.error();
  }
  if (Status s = tryBufferRing(ring.get()); !s) {
    return s.error();
  }
  if (Status s = tryMultishotAccept(ring.get()); !s) {
    return s.error();
  }
  return std::string();
}

}  // namespace weir::cli
