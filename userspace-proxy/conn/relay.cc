#include "userspace-proxy/conn/relay.h"

#include "common/base/log.h"
#include "userspace-proxy/io/loop.h"

namespace weir::proxy::conn {

Relay* Relay::start(io::Stream& down, Meter downMeter, io::Stream& up, Meter upMeter,
                    std::function<void()> onDone) {
  auto* r = new Relay();
  r->down_.stream = &down;
  r->down_.meter = downMeter;
  r->up_.stream = &up;
  r->up_.meter = upMeter;
  r->onDone_ = std::move(onDone);
  down.setHandler(r);
  up.setHandler(r);
  down.resumeReading();
  up.resumeReading();
  // Bytes that arrived before the hand-over, and ends already seen (onClosed comes later, in
  // the loop's round, so `r` stays valid here).
  for (Side* s : {&r->down_, &r->up_}) {
    Side& peer = s == &r->down_ ? r->up_ : r->down_;
    r->pump(*s, peer);
    if (s->stream->eof() && !s->readDone) {
      r->onEof(*s->stream, -s->stream->error());
    }
  }
  return r;
}

void Relay::pump(Side& from, Side& to) {
  if (from.closed || to.closed) {
    return;
  }
  if (from.stream->inputBytes() > 0) {
    from.stream->forward(from.stream->inputBytes(), *to.stream);
  }
  from.meter.sync(*from.stream);
  if (to.stream->queued() > io::kHighWater && !from.paused) {
    from.paused = true;
    from.stream->pauseReading();
  }
}

void Relay::onReadable(io::Stream& s) { pump(sideOf(s), peerOf(s)); }

void Relay::onDrained(io::Stream& s) {
  Side& side = sideOf(s);
  Side& peer = peerOf(s);
  side.meter.sync(s);
  if (peer.paused && s.queued() <= io::kLowWater && !peer.closed) {
    peer.paused = false;
    peer.stream->resumeReading();
  }
}

void Relay::onEof(io::Stream& s, int err) {
  Side& side = sideOf(s);
  Side& peer = peerOf(s);
  weir::logger("relay")->debug(
      "eof side={} conn={} err={} read={} peer_written={} peer_queued={}",
      &side == &down_ ? "down" : "up", s.id(), err, s.bytesRead(),
      peer.closed ? 0 : peer.stream->bytesWritten(), peer.closed ? 0 : peer.stream->queued());
  if (err != 0) {
    closeBoth(err);
    return;
  }
  side.readDone = true;
  if (!peer.closed) {
    peer.stream->shutdownWriteWhenDrained();
  }
  if (side.readDone && peer.readDone) {
    // Both directions ended: close once what is queued has gone out.
    for (Side* x : {&down_, &up_}) {
      if (!x->closed) {
        x->stream->closeWhenDrained();
      }
    }
  }
}

void Relay::closeBoth(int err) {
  for (Side* x : {&down_, &up_}) {
    if (!x->closed && !x->stream->closing()) {
      x->stream->close();
    }
  }
  (void)err;
}

void Relay::onClosed(io::Stream& s) {
  Side& side = sideOf(s);
  Side& peer = peerOf(s);
  weir::logger("relay")->debug("closed side={} conn={} err={} read={} written={}",
                               &side == &down_ ? "down" : "up", s.id(), s.error(), s.bytesRead(),
                               s.bytesWritten());
  side.closed = true;
  side.meter.close(s, s.error(), Clock::now());
  if (!peer.closed && !peer.stream->closing()) {
    // One side is gone for good (closed with an error, or drained after both ends): the other
    // has nothing more to do.
    peer.stream->closeWhenDrained();
  }
  if (down_.closed && up_.closed) {
    if (onDone_) {
      onDone_();
    }
    delete this;
  }
}

}  // namespace weir::proxy::conn
