#pragma once

// A connection's socket on a worker's ring: what it received and not yet processed (its inbox,
// in receive buffers it holds), and what it still has to send (its outbox: received buffers
// forwarded as they are, and owned bytes such as rewritten heads). This is the transport seam:
// the proxy's logic reads inboxes and fills outboxes; a TLS stream will do the same behind it.

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "userspace-proxy/io/channel.h"
#include "userspace-proxy/io/ring_queue.h"
#include "userspace-proxy/io/socket.h"
#include "userspace-proxy/io/timer.h"
#include "userspace-proxy/io/transport.h"

namespace weir::proxy::io {

class Loop;
class Stream;

// Events of a stream, delivered on its worker's thread.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual void onConnected(Stream& s, int err) = 0;  // upstream streams: 0 or a negative errno
  virtual void onReadable(Stream& s) = 0;            // new bytes in the inbox
  virtual void onEof(Stream& s, int err) = 0;        // the peer closed (err 0) or the socket failed
  virtual void onDrained(Stream& s) = 0;             // the outbox went below the low-water mark
  // The fd is closed and every operation done; delivered at the end of the loop's round, never
  // from inside close(). The stream is reused after this returns.
  virtual void onClosed(Stream& s) = 0;
};

inline constexpr size_t kHighWater = 256 * 1024;  // stop reading the other side above this
inline constexpr size_t kLowWater = 64 * 1024;

class Stream {
 public:
  // --- inbox ---
  bool hasInput() const { return !inbox_.empty(); }
  size_t inputBytes() const { return inboxBytes_; }
  // The first unprocessed bytes (one receive buffer's worth).
  std::span<const char> peek();
  // Drops n processed bytes from the front of the inbox (n <= peek().size()).
  void consume(size_t n);
  // Moves n bytes from the front of the inbox into `to`'s outbox without copying.
  void forward(size_t n, Stream& to);
  void pauseReading();
  void resumeReading();

  // --- outbox ---
  void sendCopy(std::string_view bytes);
  // Queues bytes the caller built (in a string from scratch(), so its memory is reused).
  void sendOwned(std::string&& bytes);
  // An empty string with capacity from the worker's pool, for building bytes to sendOwned().
  std::string scratch();
  size_t queued() const { return outboxBytes_; }
  // Half-closes the write side once the outbox is empty.
  void shutdownWriteWhenDrained();

  // Closes the socket: pending operations are cancelled, unsent bytes dropped; onClosed
  // follows once all are done.
  void close();
  // Sends what is queued, half-closes, then closes (an answer that ends the connection).
  void closeWhenDrained();
  // Closes it for an owner that is going away: no more events reach the old handler.
  void abandon();
  bool closing() const { return closing_; }
  bool eof() const { return eof_; }  // the peer half-closed, or the socket failed
  int error() const { return error_; }  // the errno the socket failed with; 0 when it did not
  Clock::time_point openedAt() const { return openedAt_; }
  // Copies up to max bytes from the front of the inbox, across chunks, without consuming them.
  size_t copyOut(char* to, size_t max) const;

  // Puts a transport (TLS) between the socket and the inbox/outbox; right after adopt() or
  // connect(), before a byte has moved. An upstream stream reports onConnected once the
  // handshake is done (or failed: -EPROTO); an accepted one that fails hears onEof(-EPROTO).
  void setTransport(std::unique_ptr<Transport> t) { transport_ = std::move(t); }
  // Its TLS, or for a virtual stream the TLS of the connection carrying it.
  Transport* transport() const {
    return transport_ ? transport_.get() : channel_ != nullptr ? channel_->carrier() : nullptr;
  }
  // Carried inside another connection (channel.h) rather than on a socket of its own.
  bool isVirtual() const { return virtual_; }

  int fd() const { return fd_; }
  uint64_t id() const { return id_; }
  uint64_t bytesRead() const { return bytesRead_; }
  uint64_t bytesWritten() const { return bytesWritten_; }
  StreamHandler* handler() const { return handler_; }
  void setHandler(StreamHandler* h) { handler_ = h; }
  void* owner = nullptr;  // the handler's own context for this stream
  int tag = 0;            // the handler's own label (e.g. downstream / upstream)

 private:
  friend class Loop;
  void sendCopyQuiet(std::string_view bytes);  // queues without starting a send
  struct Chunk {
    const char* data = nullptr;  // into a receive buffer (owned bytes: see ptr())
    uint32_t len = 0;
    int32_t buffer = -1;  // receive buffer id, or -1 for owned bytes
    uint32_t offset = 0;  // owned bytes: how many were already taken from the front
    std::string owned;    // moves with the chunk, so its bytes are found through ptr()
    const char* ptr() const { return buffer >= 0 ? data : owned.data() + offset; }
    // Takes `bytes` as the chunk's own. Short strings go to the heap first: a chunk moves when
    // its queue grows, possibly while the kernel still reads it for a send in flight, and only
    // a heap string's bytes stay where they are when the string moves (a short one's live
    // inside it, and the moved-from string is overwritten).
    void own(std::string&& bytes) {
      if (bytes.capacity() < 32) {
        bytes.reserve(32);
      }
      len = static_cast<uint32_t>(bytes.size());
      owned = std::move(bytes);
    }
    void advance(size_t n) {
      if (buffer >= 0) {
        data += n;
      } else {
        offset += static_cast<uint32_t>(n);
      }
      len -= static_cast<uint32_t>(n);
    }
  };

  Loop* loop_ = nullptr;
  StreamHandler* handler_ = nullptr;
  int fd_ = -1;
  uint64_t id_ = 0;
  RingQueue<Chunk> inbox_;
  RingQueue<Chunk> outbox_;
  size_t inboxBytes_ = 0;
  size_t outboxBytes_ = 0;
  uint64_t bytesRead_ = 0;
  uint64_t bytesWritten_ = 0;
  Clock::time_point openedAt_{};
  std::unique_ptr<Transport> transport_;
  Channel* channel_ = nullptr;  // a virtual stream's carrier; null once it went away
  RingQueue<Chunk> wire_;  // with a transport: sealed bytes for the socket (the outbox waits)
  sockaddr_in connectTo_{};
  iovec iov_[8]{};
  msghdr msg_{};
  uint16_t inflight_ = 0;
  int error_ = 0;
  bool recvArmed_ = false;
  bool sending_ = false;
  bool wantRead_ = false;
  bool eof_ = false;
  bool closing_ = false;
  bool shutdownWr_ = false;
  bool closeWhenDrained_ = false;
  bool wrShut_ = false;
  bool aboveHigh_ = false;
  bool connecting_ = false;
  bool handshaking_ = false;  // an upstream stream whose handler hears onConnected at the end
  bool open_ = false;         // the transport's handshake is done
  bool notified_ = false;     // close_notify queued
  bool virtual_ = false;
  bool ended_ = false;        // a virtual stream's half-close went to its channel
};

}  // namespace weir::proxy::io
