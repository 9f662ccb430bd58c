#include "userspace-proxy/io/stream.h"

#include <algorithm>
#include <cstring>

#include "userspace-proxy/io/loop.h"

namespace weir::proxy::io {

std::span<const char> Stream::peek() {
  if (inbox_.empty()) {
    return {};
  }
  return {inbox_.front().ptr(), inbox_.front().len};
}

size_t Stream::copyOut(char* to, size_t max) const {
  size_t done = 0;
  for (size_t i = 0; i < inbox_.size() && done < max; ++i) {
    const Chunk& c = const_cast<RingQueue<Chunk>&>(inbox_)[i];
    size_t take = std::min<size_t>(c.len, max - done);
    std::memcpy(to + done, c.ptr(), take);
    done += take;
  }
  return done;
}

void Stream::consume(size_t n) {
  while (n > 0 && !inbox_.empty()) {
    Chunk& c = inbox_.front();
    size_t take = n < c.len ? n : c.len;
    c.advance(take);
    inboxBytes_ -= take;
    n -= take;
    if (c.len == 0) {
      loop_->releaseChunk(c.buffer);
      if (c.buffer < 0) {
        loop_->giveString(std::move(c.owned));
      }
      inbox_.pop_front();
    }
  }
}

void Stream::forward(size_t n, Stream& to) {
  while (n > 0 && !inbox_.empty()) {
    Chunk& c = inbox_.front();
    size_t take = n < c.len ? n : c.len;
    if (take == c.len) {
      // The whole chunk moves, with its buffer reference or its owned bytes.
      to.outbox_.push_back(std::move(c));
      inbox_.pop_front();
    } else if (c.buffer >= 0) {
      loop_->hold(c.buffer);
      to.outbox_.push_back(Chunk{c.data, static_cast<uint32_t>(take), c.buffer, 0, {}});
      c.advance(take);
    } else {
      to.sendCopyQuiet(std::string_view(c.ptr(), take));
      to.outboxBytes_ -= take;  // counted below with the rest
      c.advance(take);
    }
    inboxBytes_ -= take;
    to.outboxBytes_ += take;
    n -= take;
  }
  if (to.outboxBytes_ > kHighWater) {
    to.aboveHigh_ = true;
  }
  loop_->flushSend(to);
}

void Stream::sendCopyQuiet(std::string_view bytes) {
  std::string owned = loop_->takeString();
  owned.assign(bytes);
  Chunk c;
  c.own(std::move(owned));
  outbox_.push_back(std::move(c));
  outboxBytes_ += bytes.size();
}

void Stream::sendCopy(std::string_view bytes) {
  if (bytes.empty()) {
    return;
  }
  sendCopyQuiet(bytes);
  if (outboxBytes_ > kHighWater) {
    aboveHigh_ = true;
  }
  loop_->flushSend(*this);
}

void Stream::sendOwned(std::string&& bytes) {
  if (bytes.empty()) {
    return;
  }
  Chunk c;
  c.own(std::move(bytes));
  outboxBytes_ += c.len;
  outbox_.push_back(std::move(c));
  if (outboxBytes_ > kHighWater) {
    aboveHigh_ = true;
  }
  loop_->flushSend(*this);
}

std::string Stream::scratch() { return loop_->takeString(); }

void Stream::pauseReading() { loop_->cancelRecv(*this); }

void Stream::resumeReading() { loop_->armRecv(*this); }

void Stream::shutdownWriteWhenDrained() {
  shutdownWr_ = true;
  loop_->flushSend(*this);
}

void Stream::close() { loop_->closeStream(*this); }

namespace {
// Takes the events of abandoned streams, which nobody owns any more, and ignores them.
class Orphanage final : public StreamHandler {
 public:
  void onConnected(Stream&, int) override {}
  void onReadable(Stream& s) override { s.consume(s.inputBytes()); }
  void onEof(Stream&, int) override {}
  void onDrained(Stream&) override {}
  void onClosed(Stream&) override {}
};
Orphanage kOrphanage;
}  // namespace

void Stream::abandon() {
  handler_ = &kOrphanage;
  close();
}

void Stream::closeWhenDrained() {
  shutdownWr_ = true;
  closeWhenDrained_ = true;
  loop_->flushSend(*this);
}

}  // namespace weir::proxy::io
