#pragma once

// What carries a virtual stream: a stream with no socket of its own, multiplexed inside another
// connection (an HTTP/2 CONNECT stream between two node proxies, tunnel/mux.h). Its owner uses
// it as any other Stream; the loop hands its outbox, its half-close and its reading wishes to
// the channel, and the channel feeds its inbox and its events through the Loop's virtual*
// calls. Everything happens on the loop's thread.

namespace weir::proxy::io {

class Stream;
class Transport;

class Channel {
 public:
  virtual ~Channel() = default;
  // The outbox got bytes, or a half-close waits for it to drain.
  virtual void outboxReady(Stream& s) = 0;
  // The owner paused (false) or resumed (true) reading: flow control for the peer.
  virtual void readingChanged(Stream& s, bool want) = 0;
  // The owner closed the stream: the channel forgets it (and resets it if it is not done).
  virtual void closed(Stream& s) = 0;
  // The carrying connection's TLS, for the identities it proved.
  virtual Transport* carrier() const = 0;
};

}  // namespace weir::proxy::io
