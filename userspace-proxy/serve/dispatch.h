#pragma once

// One accepted connection whose destination is known but whose protocol may not be: it reads
// the client's first bytes and hands the connection to the protocol's handler — HTTP/1
// sessions, HTTP/2 sessions, or an opaque relay for TLS and everything else. A client that has
// said nothing within kPreDialDelay of the accept may be waiting for a server that speaks
// first: the destination is dialled then (never kept waiting as Linkerd's 10-second detection
// keeps it), and bytes the server sends before the client's make the connection opaque; so does
// a client silent past the detection timeout. A client that speaks at once, as HTTP clients do,
// gets no connection of its own: its requests take pooled ones.
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

// How long a silent client is given before the destination is dialled for it.
inline constexpr std::chrono::milliseconds kPreDialDelay{1};

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
  // Dial before handing a known protocol over: a refusal then closes the connection (the node
  // proxy at the other end backs the endpoint off and tries another) rather than being answered.
  bool dialFirst = false;
};

class Dispatch final : public io::StreamHandler,
                       public io::TimerHandler,
                       public upstream::Dialer::Callback {
 public:
  static void start(Env& env, io::Stream& down, conn::Meter meter, conn::Context ctx, Route route);
  ~Dispatch() override;

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
  void preDial();

  io::Timer timer_{this};    // detection timeout; at zero once handed off, to free this
  io::Timer preDial_{this};  // kPreDialDelay after the accept
  std::optional<detect::Protocol> protocol_;
  io::Stream* up_ = nullptr;   // dialed
  conn::Meter upMeter_;
  upstream::Pick pick_;
  bool dialFailed_ = false;
  bool done_ = false;          // handed off or failing: nothing more to do here
};

}  // namespace weir::proxy::serve
