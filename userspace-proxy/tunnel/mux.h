#pragma once

// Connections between node proxies, pooled and multiplexed: one HTTP/2 connection (over the
// mTLS of tls/) carries many application connections, each as a CONNECT stream that names the
// endpoint it is for. Each end sees a virtual io::Stream (io/channel.h) that behaves as a socket
// would, so the outbound dialer and the inbound listener use it as they use a socket. A new
// application connection costs a stream, not a TCP and TLS handshake.
//
//   client (outbound):  Mux* m = Mux::client(loop, carrier, onGone);   // carrier: TLS, connecting
//                       io::Stream* s = m->open("10.244.2.10:8080", handler);  // onConnected: 200
//   server (inbound):   Mux::server(loop, carrier, onStream);  // the inbox starts with the preface
//
// Flow control is HTTP/2's, per tunnel: received bytes are acknowledged while the stream's owner
// reads, and held back while it has paused reading; a tunnel takes from its stream's outbox only
// as fast as the connection sends.

#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "userspace-proxy/h2/conn.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/metrics/registry.h"

namespace weir::proxy::tunnel {

inline constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// What a client tunnel's onConnected reports when its connection took no more streams (the
// peer sent GOAWAY, or a stream limit): the endpoint is not at fault; dial again.
inline constexpr int kTryAgain = -EAGAIN;

inline constexpr metrics::CounterDesc kTunnelConnections{
    "weir_proxy_tunnel_connections_total",
    "Connections between node proxies that carry tunnels: opened (outbound) or accepted "
    "(inbound)."};
inline constexpr metrics::CounterDesc kTunnels{
    "weir_proxy_tunnels_total",
    "Application connections carried between node proxies as HTTP/2 CONNECT streams (tunnels), "
    "by direction."};

class Tunnel;

class Mux final : public h2::ConnHandler, public io::TimerHandler {
 public:
  // Server: a new tunnel to `authority`; the callee takes `vs` (sets its handler).
  using OnStream = std::function<void(io::Stream& vs, std::string_view authority)>;
  // Client: the connection is gone (the pool forgets it; the Mux deletes itself after).
  using OnGone = std::function<void(Mux&)>;

  // `registry` (may be null) counts the connection and its tunnels.
  static Mux* client(io::Loop& loop, io::Stream& carrier, metrics::Registry* registry,
                     OnGone onGone);
  static Mux* server(io::Loop& loop, io::Stream& carrier, metrics::Registry* registry,
                     OnStream onStream);
  ~Mux() override;

  // Client: a new application connection to `authority` ("ip:port"); null when the connection
  // takes no more streams.
  io::Stream* open(std::string_view authority, io::StreamHandler* handler);
  bool canOpen() const { return conn_ != nullptr && conn_->canOpen(); }
  // No new tunnels; the connection closes once the open ones ended.
  void retire();
  // Client: retire the connection once it has carried no tunnel for `after` (0: never).
  void setIdleTimeout(io::Clock::duration after);
  size_t tunnels() const { return tunnels_; }
  io::Loop& loop() { return loop_; }
  h2::Conn* conn() { return conn_.get(); }

  // h2::ConnHandler
  void onHeaders(h2::Conn& c, int32_t id, h2::Leg* leg, h2::Block block, h2::Headers& headers,
                 bool endStream) override;
  void onData(h2::Conn& c, int32_t id, h2::Leg* leg, const uint8_t* data, size_t n) override;
  void onEnd(h2::Conn& c, int32_t id, h2::Leg* leg) override;
  void onStreamClosed(h2::Conn& c, int32_t id, h2::Leg* leg, uint32_t error) override;
  void onConnClosed(h2::Conn& c, io::Stream& s, int err) override;
  void onConnected(h2::Conn& c, int err) override;
  // io::TimerHandler: idle for the idle timeout.
  void onTimer(io::Timer&) override { retire(); }

 private:
  friend class Tunnel;
  Mux(io::Loop& loop, bool client, metrics::Registry* registry);
  void tunnelAdded();
  void tunnelGone();

  io::Loop& loop_;
  bool client_;
  std::unique_ptr<h2::Conn> conn_;
  OnStream onStream_;
  OnGone onGone_;
  size_t tunnels_ = 0;
  io::Clock::duration idleAfter_{};
  io::Timer idle_{this};
  metrics::Counter* opened_ = nullptr;  // tunnels, in this direction
};

}  // namespace weir::proxy::tunnel
