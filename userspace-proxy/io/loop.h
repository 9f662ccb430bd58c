#pragma once

// One worker's event loop: an io_uring ring, its receive buffers, the streams on it and the
// listeners it accepts from. Completions are dispatched to StreamHandlers; nothing here is
// shared with another thread except wake(), which an eventfd carries.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/fd.h"
#include "common/base/result.h"
#include "userspace-proxy/io/stream.h"
#include "userspace-proxy/io/timer.h"
#include "userspace-proxy/io/uring.h"

namespace weir::proxy::io {

// Accepted connections of one listener go to its handler.
class AcceptHandler {
 public:
  virtual ~AcceptHandler() = default;
  virtual void onAccept(int fd) = 0;  // owns fd from here on
};

// Work put off to the end of the loop's round (after every completion of the round has been
// handled): what many events made dirty is then done once, e.g. one write of many HTTP/2 frames.
class Deferred {
 public:
  virtual ~Deferred() = default;
  virtual void onDeferred() = 0;

 private:
  friend class Loop;
  bool queued_ = false;
};

struct LoopOptions {
  unsigned ringEntries = 4096;
  uint32_t bufferCount = 1024;    // receive buffers at most (power of two)
  uint32_t bufferSize = 16384;
  uint32_t initialBuffers = 256;  // provided at start; more as receives run out (0: all)
};

class Loop {
 public:

  // Must run on the thread that will run the loop (the ring is single-issuer).
  static Result<std::unique_ptr<Loop>> create(const LoopOptions& options);
  ~Loop();

  // Starts a multishot accept on a listener (the fd stays the caller's).
  void listen(int fd, AcceptHandler* handler);
  // Stops accepting on a listener.
  void unlisten(int fd);
  // A stream for an accepted socket (takes the fd), reading at once.
  Stream* adopt(int fd, StreamHandler* handler);
  // A stream connecting to `to`; onConnected reports the outcome, then it reads.
  Result<Stream*> connect(const Address& to, StreamHandler* handler);

  // A virtual stream on `channel` (channel.h), reading at once. It hears onConnected when the
  // channel says so (virtualConnected).
  Stream* openVirtual(Channel& channel, StreamHandler* handler);
  // What a channel tells its virtual streams.
  void virtualConnected(Stream& s, int err);
  void virtualReceived(Stream& s, const char* data, size_t n);
  void virtualEof(Stream& s, int err);
  // Moves up to `max` bytes of the outbox to `to`; `*end` says whether the half-close is due
  // (the outbox is empty and the owner shut its write side).
  size_t virtualTake(Stream& s, char* to, size_t max, bool* end);
  // After takes: tells a drained owner, closes what was to close once drained.
  void virtualAfterTake(Stream& s);
  // The channel went away: the stream ends with err (or fails to connect with it).
  void virtualDetach(Stream& s, int err);

  // Runs one round: submits, waits up to `waitMs` for completions, dispatches them.
  void runOnce(unsigned waitMs);
  // Runs d.onDeferred() once at the end of this round (again if it defers itself from there, in
  // the next round). Harmless when already queued.
  void defer(Deferred& d);
  // Drops a queued d (its owner is going away).
  void cancelDeferred(Deferred& d);

  // How long runOnce(waitMs) waits for completions: no longer than until the next timer.
  unsigned boundedWait(unsigned waitMs) const;
  // Any thread: interrupts a runOnce that is waiting; the wake handler then runs on the loop's
  // thread.
  void wake();
  void setWakeHandler(std::function<void()> handler) { onWake_ = std::move(handler); }
  // The time of the last completion round: what handlers use instead of reading the clock.
  Clock::time_point now() const { return now_; }
  TimerQueue& timers() { return timers_; }
  void arm(Timer& t, Clock::duration after) { timers_.arm(t, now_ + after); }
  size_t streams() const { return liveStreams_; }
  BufferRing& buffers() { return *buffers_; }

  // Called by Stream.
  void armRecv(Stream& s);
  void cancelRecv(Stream& s);
  void flushSend(Stream& s);
  void closeStream(Stream& s);
  void hold(int32_t buffer);
  void releaseChunk(int32_t buffer);
  std::string takeString();
  void giveString(std::string&& s);

 private:
  Loop() = default;
  void onCqe(const io_uring_cqe& cqe);
  void onRecv(Stream& s, const io_uring_cqe& cqe);
  void onSend(Stream& s, int res);
  void onConnect(Stream& s, int res);
  void finishIfDone(Stream& s);
  // With a transport: what one round of it did.
  struct Pumped {
    bool plain = false;   // the inbox got bytes
    bool opened = false;  // the handshake finished
    bool failed = false;
  };
  Pumped pump(Stream& s);
  void seal(Stream& s);
  void queueWire(Stream& s, std::string&& wire);
  void failTransport(Stream& s);
  void armWake();
  void deliverClosed();
  void runDeferred();
  Stream* newStream(int fd, StreamHandler* handler);

  std::unique_ptr<Uring> ring_;
  std::unique_ptr<BufferRing> buffers_;
  UniqueFd wakeFd_;
  uint64_t wakeValue_ = 0;
  std::vector<void*> listenerEntries_;
  std::vector<uint16_t> refs_;  // per receive buffer: chunks referring to it
  std::vector<Stream*> freeStreams_;
  std::vector<std::unique_ptr<Stream>> allStreams_;
  std::vector<Stream*> starved_;  // receives that ended for want of buffers
  std::vector<Stream*> closed_;   // finished streams whose handlers hear onClosed next
  std::vector<Deferred*> deferred_;
  std::vector<Deferred*> running_;  // the batch runDeferred is working through
  std::vector<std::string> strings_;
  TimerQueue timers_;
  std::function<void()> onWake_;
  size_t liveStreams_ = 0;
  uint64_t nextId_ = 1;
  Clock::time_point now_ = Clock::now();
};

}  // namespace weir::proxy::io
