#pragma once

// Opaque TCP between two connected streams: bytes move both ways as received buffers, without a
// copy, until both directions have ended; a half-close is passed on as a half-close, an error
// as a close. A side whose peer is backed up above the high-water mark stops reading until the
// peer drains. The relay owns both streams and frees itself once both are closed.

#include <functional>

#include "userspace-proxy/conn/meter.h"
#include "userspace-proxy/io/stream.h"

namespace weir::proxy::conn {

class Relay final : public io::StreamHandler {
 public:
  // Takes over `down` (accepted) and `up` (opened) with what their inboxes already hold.
  // `onDone` runs once both are closed (ends the balancer's pick, say); may be empty.
  static Relay* start(io::Stream& down, Meter downMeter, io::Stream& up, Meter upMeter,
                      std::function<void()> onDone);

  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream& s) override;
  void onEof(io::Stream& s, int err) override;
  void onDrained(io::Stream& s) override;
  void onClosed(io::Stream& s) override;

 private:
  struct Side {
    io::Stream* stream = nullptr;
    Meter meter;
    bool readDone = false;
    bool paused = false;
    bool closed = false;
  };
  Relay() = default;
  Side& sideOf(io::Stream& s) { return &s == down_.stream ? down_ : up_; }
  Side& peerOf(io::Stream& s) { return &s == down_.stream ? up_ : down_; }
  void pump(Side& from, Side& to);
  void closeBoth(int err);

  Side down_;
  Side up_;
  std::function<void()> onDone_;
};

}  // namespace weir::proxy::conn
