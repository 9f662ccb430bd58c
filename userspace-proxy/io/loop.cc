#include "userspace-proxy/io/loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/base/log.h"

namespace weir::proxy::io {

namespace {
spdlog::logger& log() {
  static const auto logger = weir::logger("io");
  return *logger;
}

// user_data: a pointer with the operation in its low three bits (Streams are 8-aligned).
enum Op : uint64_t { kRecv = 1, kSend = 2, kConnect = 3, kAccept = 4, kWake = 5, kCancel = 6 };
constexpr uint64_t kOpMask = 7;

uint64_t tagged(const void* p, Op op) { return reinterpret_cast<uint64_t>(p) | op; }

struct Listener {
  int fd;
  AcceptHandler* handler;
  bool active;
};
}  // namespace

Result<std::unique_ptr<Loop>> Loop::create(const LoopOptions& options) {
  std::unique_ptr<Loop> loop(new Loop());
  auto ring = Uring::create(options.ringEntries);
  if (!ring) {
    return ring.error();
  }
  loop->ring_.reset(ring.value());
  auto buffers = BufferRing::create(*loop->ring_, 0, options.bufferCount, options.bufferSize,
                                    std::min(options.initialBuffers, options.bufferCount));
  if (!buffers) {
    return buffers.error();
  }
  loop->buffers_.reset(buffers.value());
  loop->refs_.assign(options.bufferCount, 0);
  loop->wakeFd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!loop->wakeFd_.valid()) {
    return osError(errno, "eventfd");
  }
  loop->armWake();
  return loop;
}

Loop::~Loop() {
  for (auto* l : listenerEntries_) {
    delete static_cast<Listener*>(l);
  }
}

void Loop::armWake() {
  io_uring_sqe* sqe = ring_->sqe();
  io_uring_prep_read(sqe, wakeFd_.get(), &wakeValue_, sizeof wakeValue_, 0);
  io_uring_sqe_set_data64(sqe, kWake);
}

void Loop::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wakeFd_.get(), &one, sizeof one);
}

void Loop::listen(int fd, AcceptHandler* handler) {
  auto* l = new Listener{fd, handler, true};
  listenerEntries_.push_back(l);
  io_uring_sqe* sqe = ring_->sqe();
  io_uring_prep_multishot_accept(sqe, fd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, tagged(l, kAccept));
}

void Loop::unlisten(int fd) {
  for (auto* p : listenerEntries_) {
    auto* l = static_cast<Listener*>(p);
    if (l->fd == fd && l->active) {
      l->active = false;
      io_uring_sqe* sqe = ring_->sqe();
      io_uring_prep_cancel64(sqe, tagged(l, kAccept), 0);
      io_uring_sqe_set_data64(sqe, 0);
    }
  }
}

Stream* Loop::newStream(int fd, StreamHandler* handler) {
  Stream* s = nullptr;
  if (!freeStreams_.empty()) {
    s = freeStreams_.back();
    freeStreams_.pop_back();
    *s = Stream();
  } else {
    allStreams_.push_back(std::make_unique<Stream>());
    s = allStreams_.back().get();
  }
  s->loop_ = this;
  s->handler_ = handler;
  s->fd_ = fd;
  s->id_ = nextId_++;
  s->wantRead_ = true;
  s->openedAt_ = now_;
  ++liveStreams_;
  return s;
}

Stream* Loop::adopt(int fd, StreamHandler* handler) {
  Stream* s = newStream(fd, handler);
  armRecv(*s);
  return s;
}

Result<Stream*> Loop::connect(const Address& to, StreamHandler* handler) {
  auto fd = upstreamSocket();
  if (!fd) {
    return fd.error();
  }
  Stream* s = newStream(fd.value().release(), handler);
  s->connectTo_ = to.sockaddr();
  s->connecting_ = true;
  ++s->inflight_;
  io_uring_sqe* sqe = ring_->sqe();
  io_uring_prep_connect(sqe, s->fd_, reinterpret_cast<sockaddr*>(&s->connectTo_),
                        sizeof s->connectTo_);
  io_uring_sqe_set_data64(sqe, tagged(s, kConnect));
  return s;
}

void Loop::armRecv(Stream& s) {
  s.wantRead_ = true;
  if (s.virtual_) {
    if (s.channel_ != nullptr && !s.closing_) {
      s.channel_->readingChanged(s, true);
    }
    return;
  }
  if (s.recvArmed_ || s.eof_ || s.closing_ || s.connecting_) {
    return;
  }
  s.recvArmed_ = true;
  ++s.inflight_;
  io_uring_sqe* sqe = ring_->sqe();
  io_uring_prep_recv_multishot(sqe, s.fd_, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers_->group();
  io_uring_sqe_set_data64(sqe, tagged(&s, kRecv));
}

void Loop::cancelRecv(Stream& s) {
  s.wantRead_ = false;
  if (s.virtual_) {
    if (s.channel_ != nullptr && !s.closing_) {
      s.channel_->readingChanged(s, false);
    }
    return;
  }
  if (!s.recvArmed_) {
    return;
  }
  ++s.inflight_;
  io_uring_sqe* sqe = ring_->sqe();
  io_uring_prep_cancel64(sqe, tagged(&s, kRecv), 0);
  io_uring_sqe_set_data64(sqe, tagged(&s, kCancel));
}

void Loop::flushSend(Stream& s) {
  if (s.sending_ || s.connecting_ || s.closing_) {
    return;
  }
  if (s.virtual_) {
    if (s.channel_ != nullptr && (!s.outbox_.empty() || (s.shutdownWr_ && !s.ended_))) {
      s.channel_->outboxReady(s);
    } else if (s.outbox_.empty() && s.closeWhenDrained_) {
      closeStream(s);
    }
    return;
  }
  if (s.transport_) {
    seal(s);
  }
  RingQueue<Stream::Chunk>& q = s.transport_ ? s.wire_ : s.outbox_;
  if (q.empty()) {
    if (!s.outbox_.empty()) {
      return;  // plaintext waiting for the handshake
    }
    if (s.shutdownWr_ && !s.wrShut_) {
      s.wrShut_ = true;
      ::shutdown(s.fd_, SHUT_WR);
    }
    if (s.closeWhenDrained_) {
      closeStream(s);
    }
    return;
  }
  size_t n = 0;
  for (; n < q.size() && n < std::size(s.iov_); ++n) {
    const Stream::Chunk& c = q[n];
    s.iov_[n].iov_base = const_cast<char*>(c.ptr());
    s.iov_[n].iov_len = c.len;
  }
  s.msg_ = msghdr{};
  s.msg_.msg_iov = s.iov_;
  s.msg_.msg_iovlen = n;
  s.sending_ = true;
  ++s.inflight_;
  io_uring_sqe* sqe = ring_->sqe();
  io_uring_prep_sendmsg(sqe, s.fd_, &s.msg_, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, tagged(&s, kSend));
}

void Loop::queueWire(Stream& s, std::string&& wire) {
  if (wire.empty()) {
    giveString(std::move(wire));
    return;
  }
  Stream::Chunk c;
  c.own(std::move(wire));
  s.outboxBytes_ += c.len;
  s.wire_.push_back(std::move(c));
}

void Loop::seal(Stream& s) {
  if (!s.open_) {
    return;
  }
  std::string wire = takeString();
  while (!s.outbox_.empty()) {
    Stream::Chunk& c = s.outbox_.front();
    s.transport_->seal({c.ptr(), c.len}, wire);
    s.outboxBytes_ -= c.len;
    if (c.buffer < 0) {
      giveString(std::move(c.owned));
    }
    releaseChunk(c.buffer);
    s.outbox_.pop_front();
  }
  if (s.shutdownWr_ && !s.notified_) {
    s.notified_ = true;
    s.transport_->closeNotify(wire);
  }
  queueWire(s, std::move(wire));
}

Loop::Pumped Loop::pump(Stream& s) {
  std::string plain = takeString();
  std::string wire = takeString();
  Transport::State state = s.transport_->pump(plain, wire);
  queueWire(s, std::move(wire));
  Pumped out{};
  if (!plain.empty()) {
    out.plain = true;
    s.inboxBytes_ += plain.size();
    Stream::Chunk c;
    c.own(std::move(plain));
    s.inbox_.push_back(std::move(c));
  } else {
    giveString(std::move(plain));
  }
  if (state == Transport::State::kFailed) {
    out.failed = true;
    s.error_ = EPROTO;
  } else if (state == Transport::State::kOpen && !s.open_) {
    s.open_ = true;
    out.opened = true;
  }
  flushSend(s);
  return out;
}

void Loop::closeStream(Stream& s) {
  if (s.closing_) {
    return;
  }
  s.closing_ = true;
  s.wantRead_ = false;
  if (s.virtual_) {
    if (s.channel_ != nullptr) {
      Channel* ch = s.channel_;
      s.channel_ = nullptr;
      ch->closed(s);
    }
    finishIfDone(s);
    return;
  }
  if (s.recvArmed_ || s.connecting_) {
    ++s.inflight_;
    io_uring_sqe* sqe = ring_->sqe();
    io_uring_prep_cancel_fd(sqe, s.fd_, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, tagged(&s, kCancel));
  }
  // A send still in flight fails at once.
  ::shutdown(s.fd_, SHUT_RDWR);
  finishIfDone(s);
}

void Loop::finishIfDone(Stream& s) {
  if (!s.closing_ || s.inflight_ != 0 || (s.fd_ < 0 && !s.virtual_)) {
    return;
  }
  if (s.virtual_) {
    s.virtual_ = false;  // finished: it is not finished twice
  } else {
    ::close(s.fd_);
  }
  s.fd_ = -1;
  for (auto* box : {&s.inbox_, &s.outbox_, &s.wire_}) {
    while (!box->empty()) {
      Stream::Chunk& c = box->front();
      if (c.buffer < 0) {
        giveString(std::move(c.owned));
      }
      releaseChunk(c.buffer);
      box->pop_front();
    }
    box->shrink();
  }
  s.inboxBytes_ = s.outboxBytes_ = 0;
  s.transport_.reset();
  --liveStreams_;
  // onClosed runs at the end of this round, never inside the caller's close(): a handler that
  // closes a stream may go on using itself.
  closed_.push_back(&s);
}

Stream* Loop::openVirtual(Channel& channel, StreamHandler* handler) {
  Stream* s = newStream(-1, handler);
  s->virtual_ = true;
  s->channel_ = &channel;
  return s;
}

void Loop::virtualConnected(Stream& s, int err) {
  if (s.closing_) {
    return;
  }
  if (err != 0) {
    s.error_ = -err;
    s.eof_ = true;
    s.channel_ = nullptr;
  }
  s.handler_->onConnected(s, err);
  if (err == 0 && !s.closing_) {
    flushSend(s);
  }
}

void Loop::virtualReceived(Stream& s, const char* data, size_t n) {
  if (s.closing_ || n == 0) {
    return;
  }
  std::string owned = takeString();
  owned.assign(data, n);
  Stream::Chunk c;
  c.own(std::move(owned));
  s.inbox_.push_back(std::move(c));
  s.inboxBytes_ += n;
  s.bytesRead_ += n;
  s.handler_->onReadable(s);
}

void Loop::virtualEof(Stream& s, int err) {
  if (s.closing_ || s.eof_) {
    return;
  }
  s.eof_ = true;
  if (err < 0) {
    s.error_ = -err;
  }
  s.handler_->onEof(s, err);
}

size_t Loop::virtualTake(Stream& s, char* to, size_t max, bool* end) {
  size_t done = 0;
  while (done < max && !s.outbox_.empty()) {
    Stream::Chunk& c = s.outbox_.front();
    size_t take = std::min<size_t>(c.len, max - done);
    std::memcpy(to + done, c.ptr(), take);
    done += take;
    if (take < c.len) {
      c.advance(take);
      break;
    }
    if (c.buffer < 0) {
      giveString(std::move(c.owned));
    }
    releaseChunk(c.buffer);
    s.outbox_.pop_front();
  }
  s.outboxBytes_ -= done;
  s.bytesWritten_ += done;
  *end = s.outbox_.empty() && s.shutdownWr_ && !s.ended_;
  if (*end) {
    s.ended_ = true;
  }
  return done;
}

void Loop::virtualAfterTake(Stream& s) {
  if (s.closing_) {
    return;
  }
  if (s.outbox_.empty() && s.closeWhenDrained_) {
    closeStream(s);
    return;
  }
  if (s.aboveHigh_ && s.outboxBytes_ <= kLowWater) {
    s.aboveHigh_ = false;
    s.handler_->onDrained(s);
  } else if (s.outbox_.empty()) {
    s.handler_->onDrained(s);
  }
}

void Loop::virtualDetach(Stream& s, int err) {
  s.channel_ = nullptr;
  if (s.closing_) {
    return;
  }
  if (!s.eof_) {
    s.eof_ = true;
    s.error_ = -err;
    s.handler_->onEof(s, err);
  }
}

void Loop::defer(Deferred& d) {
  if (!d.queued_) {
    d.queued_ = true;
    deferred_.push_back(&d);
  }
}

void Loop::cancelDeferred(Deferred& d) {
  if (d.queued_) {
    d.queued_ = false;
    std::erase(deferred_, &d);
  }
  std::replace(running_.begin(), running_.end(), &d, static_cast<Deferred*>(nullptr));
}

void Loop::runDeferred() {
  // Deferred work may defer more: that waits for the next round. One may delete another that
  // is still in the batch (cancelDeferred clears its slot).
  running_.swap(deferred_);
  for (size_t i = 0; i < running_.size(); ++i) {
    Deferred* d = running_[i];
    if (d != nullptr && d->queued_) {
      d->queued_ = false;
      d->onDeferred();
    }
  }
  running_.clear();
}

void Loop::deliverClosed() {
  while (!closed_.empty()) {
    std::vector<Stream*> batch;
    batch.swap(closed_);
    for (Stream* s : batch) {
      StreamHandler* h = s->handler_;
      s->handler_ = nullptr;
      if (h != nullptr) {
        h->onClosed(*s);
      }
      freeStreams_.push_back(s);
    }
  }
}

void Loop::hold(int32_t buffer) {
  if (buffer >= 0) {
    ++refs_[static_cast<size_t>(buffer)];
  }
}

void Loop::releaseChunk(int32_t buffer) {
  if (buffer < 0) {
    return;
  }
  if (--refs_[static_cast<size_t>(buffer)] == 0) {
    buffers_->give(static_cast<uint16_t>(buffer));
  }
}

std::string Loop::takeString() {
  if (strings_.empty()) {
    return {};
  }
  std::string s = std::move(strings_.back());
  strings_.pop_back();
  s.clear();
  return s;
}

void Loop::giveString(std::string&& s) {
  if (strings_.size() < 1024 && s.capacity() <= 64 * 1024) {
    strings_.push_back(std::move(s));
  }
}

void Loop::runOnce(unsigned waitMs) {
  deliverClosed();
  buffers_->flush();
  // Receives that ran out of buffers resume once buffers came back.
  if (!starved_.empty() && buffers_->lent() < buffers_->provided()) {
    std::vector<Stream*> again;
    again.swap(starved_);
    for (Stream* s : again) {
      --s->inflight_;  // the starved marker's reference
      if (s->closing_) {
        finishIfDone(*s);
      } else if (s->wantRead_) {
        armRecv(*s);
      }
    }
  }
  now_ = Clock::now();
  ring_->submitAndWait(boundedWait(waitMs));
  now_ = Clock::now();
  ring_->drain([this](const io_uring_cqe& cqe) { onCqe(cqe); });
  deliverClosed();
  timers_.fire(now_);
  runDeferred();
  deliverClosed();
}

unsigned Loop::boundedWait(unsigned waitMs) const {
  if (!deferred_.empty()) {
    return 0;
  }
  Clock::time_point next = timers_.next();
  if (next == Clock::time_point::max()) {
    return waitMs;
  }
  auto untilNext = std::chrono::ceil<std::chrono::milliseconds>(next - now_).count();
  return untilNext <= 0 ? 0 : std::min<unsigned>(waitMs, static_cast<unsigned>(untilNext));
}

void Loop::onCqe(const io_uring_cqe& cqe) {
  uint64_t data = cqe.user_data;
  auto op = static_cast<Op>(data & kOpMask);
  void* p = reinterpret_cast<void*>(data & ~kOpMask);
  switch (op) {
    case kAccept: {
      auto* l = static_cast<Listener*>(p);
      if (cqe.res >= 0) {
        // Accepted before an unlisten took effect: it left the queue, so it is ours to serve.
        l->handler->onAccept(cqe.res);
      }
      if (!(cqe.flags & IORING_CQE_F_MORE) && l->active) {
        io_uring_sqe* sqe = ring_->sqe();
        io_uring_prep_multishot_accept(sqe, l->fd, nullptr, nullptr, SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, data);
      }
      return;
    }
    case kWake:
      armWake();
      if (onWake_) {
        onWake_();
      }
      return;
    case kRecv:
      onRecv(*static_cast<Stream*>(p), cqe);
      return;
    case kSend:
      onSend(*static_cast<Stream*>(p), cqe.res);
      return;
    case kConnect:
      onConnect(*static_cast<Stream*>(p), cqe.res);
      return;
    case kCancel: {
      auto* s = static_cast<Stream*>(p);
      --s->inflight_;
      finishIfDone(*s);
      return;
    }
    default:
      return;
  }
}

void Loop::onRecv(Stream& s, const io_uring_cqe& cqe) {
  bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
  Pumped pumped{};
  if (cqe.res > 0 && (cqe.flags & IORING_CQE_F_BUFFER)) {
    auto id = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    buffers_->took();
    ++refs_[id];
    if (s.closing_) {
      releaseChunk(id);
    } else if (s.transport_) {
      // The wire bytes go to the transport; the inbox gets what they decrypt to.
      s.transport_->received({buffers_->data(id), static_cast<size_t>(cqe.res)});
      releaseChunk(id);
      s.bytesRead_ += static_cast<uint64_t>(cqe.res);
      pumped = pump(s);
    } else {
      s.inbox_.push_back(Stream::Chunk{buffers_->data(id), static_cast<uint32_t>(cqe.res),
                                       static_cast<int32_t>(id), 0, {}});
      s.inboxBytes_ += static_cast<size_t>(cqe.res);
      s.bytesRead_ += static_cast<uint64_t>(cqe.res);
      pumped.plain = true;
    }
  }
  if (!more) {
    s.recvArmed_ = false;
    --s.inflight_;
  }
  if (s.closing_) {
    finishIfDone(s);
    return;
  }
  if (cqe.res > 0) {
    if (!more && s.wantRead_) {
      armRecv(s);
    }
    if (pumped.failed) {
      failTransport(s);
      return;
    }
    if (pumped.opened && s.handshaking_) {
      s.handshaking_ = false;
      s.handler_->onConnected(s, 0);
      if (s.closing_) {
        return;
      }
    }
    if (pumped.plain) {
      s.handler_->onReadable(s);
    }
    return;
  }
  if (cqe.res == -ENOBUFS) {
    // Every buffer provided is held: provide more while the ring has room, else wait for some
    // to come back (runOnce re-arms).
    if (buffers_->grow(buffers_->provided()) > 0) {
      if (s.wantRead_) {
        armRecv(s);  // not when paused meanwhile: that would undo the pause
      }
      return;
    }
    ++s.inflight_;
    starved_.push_back(&s);
    return;
  }
  if (cqe.res == -ECANCELED) {
    if (s.wantRead_) {
      armRecv(s);  // paused, then resumed before the cancel landed
    }
    return;
  }
  s.eof_ = true;
  if (cqe.res < 0) {
    s.error_ = -cqe.res;
  }
  if (s.handshaking_) {
    s.handshaking_ = false;
    s.handler_->onConnected(s, cqe.res == 0 ? -ECONNRESET : cqe.res);
    return;
  }
  if (s.transport_ && !s.open_) {
    s.error_ = EPROTO;  // closed during the handshake
  }
  s.handler_->onEof(s, cqe.res == 0 ? 0 : cqe.res);
}

void Loop::failTransport(Stream& s) {
  log().info("tls failed conn={} reason=\"{}\"", s.id_, s.transport_->failure());
  if (s.handshaking_) {
    s.handshaking_ = false;
    s.handler_->onConnected(s, -EPROTO);
    return;
  }
  s.eof_ = true;
  s.handler_->onEof(s, -EPROTO);
}

void Loop::onSend(Stream& s, int res) {
  s.sending_ = false;
  --s.inflight_;
  if (res < 0) {
    if (s.closing_) {
      finishIfDone(s);
      return;
    }
    s.eof_ = true;
    s.error_ = -res;
    s.handler_->onEof(s, res);
    return;
  }
  size_t left = static_cast<size_t>(res);
  s.bytesWritten_ += left;
  s.outboxBytes_ -= left;
  RingQueue<Stream::Chunk>& q = s.transport_ ? s.wire_ : s.outbox_;
  while (left > 0 && !q.empty()) {
    Stream::Chunk& c = q.front();
    if (left < c.len) {
      c.advance(left);
      break;
    }
    left -= c.len;
    if (c.buffer < 0) {
      giveString(std::move(c.owned));
    }
    releaseChunk(c.buffer);
    q.pop_front();
  }
  if (s.closing_) {
    finishIfDone(s);
    return;
  }
  flushSend(s);
  if (s.closing_) {
    return;  // closed once drained (closeWhenDrained): no one to tell
  }
  if (s.aboveHigh_ && s.outboxBytes_ <= kLowWater) {
    s.aboveHigh_ = false;
    s.handler_->onDrained(s);
  } else if (s.outbox_.empty() && s.wire_.empty()) {
    s.handler_->onDrained(s);
  }
}

void Loop::onConnect(Stream& s, int res) {
  s.connecting_ = false;
  --s.inflight_;
  if (s.closing_) {
    finishIfDone(s);
    return;
  }
  if (res < 0) {
    s.error_ = -res;
  }
  if (res == 0 && s.transport_) {
    // The handler hears onConnected when the handshake is done.
    s.handshaking_ = true;
    armRecv(s);
    if (pump(s).failed) {
      failTransport(s);
    }
    return;
  }
  s.handler_->onConnected(s, res);
  if (res == 0 && !s.closing_) {
    if (s.wantRead_) {
      armRecv(s);
    }
    flushSend(s);
  }
}

}  // namespace weir::proxy::io
