#pragma once

// One accepted connection whose destination is known but whose protocol may not be: it dials
// the destination at once (so a server that speaks first is never kept waiting), reads the
// client's first bytes, and hands both to the protocol's handler — HTTP/1 sessions, HTTP/2
// sessions, or an opaque relay for TLS and everything else. Bytes the server sends before the
// client's make it opaque; so does a client silent past the detection timeout.
//
// Used by both listeners: outbound after discovery, inbound after the transport header.

#include <memory>
#include <optional>
#include <string>

#include "userspace-proxy/conn/context.h"
#include "userspace-proxy/conn/meter.h"
#include "userspace-proxy/detect/detect.h"
#include "userspace-proxy/http1/session.h"
#include "userspace-proxy/http2/session.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/upstream/dialer.h"
#include "userspace-proxy/upstream/picker.h"

namespace weir::proxy::serve {

using io::Clock;

inline constexpr metrics::CounterDesc kDetected{
    "weir_proxy_protocol_detections_total",
    "Accepted connections by the protocol detected (http1, http2, tls, opaque) and how "
    "(client_bytes, server_first, timeout, configured)."};

struct Env {
  http1::Env* http1 = nullptr;
  http2::Env* http2 = nullptr;
  std::chrono::milliseconds detectTimeout{10000};  // Linkerd's protocol detection timeout
  upstream::Dialer::Options dial;
};

// What the caller knows of the connection.
struct Route {
  std::shared_ptr<upstream::Picker> picker;
  // Known protocol (opaque ports, a transport header); kUnknown: detect it.
  transport::Protocol protocol = transport::Protocol::kUnknown;
  std::string authority;           // HTTP authority label; empty: each request's Host
  std::string transportAuthority;  // named in transport headers to other nodes' proxies
  // The picker has one target and nothing else to try: when it cannot be dialled, the client's
  // connection is closed at once (it hears the refusal as it would without the mesh; another
  // node's proxy on the far end retries elsewhere).
  bool single = false;
};

class Dispatch final : public io::StreamHandler,
                       public io::TimerHandler,
                       public upstream::Dialer::Callback {
 public:
  static void start(Env& env, io::Stream& down, conn::Meter meter, conn::Context ctx, Route route);

  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream& s) override;
  void onEof(io::Stream& s, int err) override;
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream& s) override;
  void onTimer(io::Timer&) override;
  void onDialed(io::Stream& s, const upstream::Pick& pick) override;
  void onDialFailed(int err) override;

 private:
  Dispatch(Env& env, io::Stream& down, conn::Meter meter, conn::Context ctx, Route route);
  void detectNow(bool final);
  void decided(detect::Protocol protocol, const char* how);
  void handOff();
  void fail();
  void dropUp();
  void count(const char* protocol, const char* how);

  Env& env_;
  io::Stream* down_;
  conn::Meter meter_;
  conn::Context ctx_;
  Route route_;
  upstream::Dialer dialer_;
  io::Timer timer_{this};
  std::optional<detect::Protocol> protocol_;
  io::Stream* up_ = nullptr;   // dialed
  conn::Meter upMeter_;
  upstream::Pick pick_;
  bool dialFailed_ = false;
  bool done_ = false;          // handed off or failing: nothing more to do here
};

}  // namespace weir::proxy::serve
