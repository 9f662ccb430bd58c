#pragma once

// A layer between a stream's socket and its inbox/outbox: TLS. The loop hands it what the socket
// received and the plaintext the stream's owner queued; it gives back plaintext for the inbox and
// wire bytes for the socket. The owner of the stream sees only plaintext: its handler hears
// onConnected (an upstream stream) or its first bytes (an accepted one) after the handshake.

#include <span>
#include <string>
#include <string_view>

namespace weir::proxy::io {

class Transport {
 public:
  enum class State { kHandshaking, kOpen, kFailed };

  virtual ~Transport() = default;
  // Bytes the socket received, in order.
  virtual void received(std::span<const char> wire) = 0;
  // Advances the handshake and decrypts what has arrived: plaintext is appended to `plain`, bytes
  // the peer must get (handshake messages, alerts, session tickets) to `wire`.
  virtual State pump(std::string& plain, std::string& wire) = 0;
  // Encrypts application bytes (only once open).
  virtual bool seal(std::span<const char> plain, std::string& wire) = 0;
  // The close_notify alert.
  virtual void closeNotify(std::string& wire) = 0;
  // Why the handshake or a record failed (for the log), once kFailed.
  virtual std::string_view failure() const = 0;
  // The identity the peer's certificate proved (its DNS SAN); empty when it presented none.
  virtual std::string_view peerIdentity() const = 0;
};

}  // namespace weir::proxy::io
