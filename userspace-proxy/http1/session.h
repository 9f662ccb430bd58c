#pragma once

// The HTTP/1 side of one accepted connection: requests are parsed as they arrive, each is sent
// to a target its picker chooses, over a pooled keep-alive connection or a new one, and its
// response comes back the same way. Heads are rewritten (hop-by-hop fields dropped); bodies
// move as received buffers, in the framing they arrived in, never buffered whole.
//
// Requests are served one at a time: a pipelined request waits in the inbox until the response
// before it has been sent, so responses can never be reordered. An Upgrade (WebSocket) or
// CONNECT that the server accepts turns both connections into an opaque relay.
//
// Requests the proxy cannot forward are answered by the proxy: malformed 400, head too large
// 431, unsupported framing 501, no endpoint 503, connection refused or a broken response 502;
// each is counted in weir_proxy_http_errors_total.

#include <memory>
#include <optional>
#include <string>

#include "userspace-proxy/conn/context.h"
#include "userspace-proxy/conn/meter.h"
#include "userspace-proxy/http1/parser.h"
#include "userspace-proxy/http1/pool.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/upstream/mtls.h"
#include "userspace-proxy/upstream/picker.h"

namespace weir::proxy::http1 {

using io::Clock;

inline constexpr metrics::CounterDesc kHttpErrors{
    "weir_proxy_http_errors_total",
    "HTTP requests the proxy answered itself, by direction and status (400 malformed, 431 head "
    "too large, 501 unsupported, 502 upstream failed, 503 no endpoint)."};

// What every session of a worker shares.
struct Env {
  io::Loop* loop = nullptr;
  Pool* pool = nullptr;
  PoolLimits limits;
  size_t maxHeadBytes = kDefaultMaxHeadBytes;
  const upstream::Mtls* mtls = nullptr;  // connections to other nodes' proxies
  // The proxy is handing over to a successor: every response from now on closes its
  // connection, so clients reconnect (to the successor) between requests, never during one.
  bool draining = false;
};

// An upstream connection opened before the protocol was known (the outbound side dials while it
// waits for the client's first bytes), for the first request.
struct Preconnected {
  io::Stream* stream = nullptr;
  conn::Meter meter;
  upstream::Pick pick;
};

struct SessionOptions {
  // The authority label of every request (the service's name:port when discovery knows it);
  // empty: each request's Host.
  std::string authority;
  // The transport protocol named when a target is behind another node's proxy.
  std::string transportAuthority;
};

class Session final : public io::StreamHandler, public io::TimerHandler {
 public:
  // Takes over `down`, with what its inbox holds.
  static void start(Env& env, io::Stream& down, conn::Meter downMeter, conn::Context ctx,
                    std::shared_ptr<upstream::Picker> picker, SessionOptions options,
                    std::optional<Preconnected> pre);

  void onConnected(io::Stream& s, int err) override;
  void onReadable(io::Stream& s) override;
  void onEof(io::Stream& s, int err) override;
  void onDrained(io::Stream& s) override;
  void onClosed(io::Stream& s) override;
  void onTimer(io::Timer&) override;

 private:
  enum class Req { kHead, kBody, kDone, kUpgrade, kClosing };
  enum class Resp { kIdle, kWaiting, kBody, kDone };

  Session(Env& env, io::Stream& down, conn::Meter downMeter, conn::Context ctx,
          std::shared_ptr<upstream::Picker> picker, SessionOptions options);

  bool isUp(const io::Stream& s) const { return up_ != nullptr && up_->stream == &s; }
  void pumpRequest();
  void pumpResponse();
  void startExchange();
  bool assignUpstream();  // false: answered with an error
  bool openUpstream(const upstream::Pick& pick);
  void onResponseHead();
  void finishExchange();
  void startTunnel();
  // Answers the current (or a malformed) request itself and closes once it is sent.
  void answer(int status, std::string_view why);
  // The upstream failed before its response began: another endpoint, or 502.
  void upstreamFailed(int err, std::string_view why);
  void releaseUpstream(bool reusable);
  void closeAll();
  metrics::HttpSeries* seriesFor(const upstream::Target* target, std::string_view authority);
  metrics::Counter* errorCounter(int status);

  Env& env_;
  io::Stream* down_;
  conn::Meter downMeter_;
  conn::Context ctx_;
  std::shared_ptr<upstream::Picker> picker_;
  SessionOptions options_;
  std::optional<Preconnected> pre_;
  Parser parser_;
  PoolLimits limits_;  // the worker's, or the client workload's own

  Req req_ = Req::kHead;
  Resp resp_ = Resp::kIdle;
  Upstream* up_ = nullptr;
  upstream::Pick pick_;
  bool picked_ = false;       // pick_ must still be ended
  std::string head_;          // the rewritten request head, kept until a response byte arrives
  int attempts_ = 0;          // connections tried for this request
  bool bodySent_ = false;     // request body bytes went to the current upstream
  bool closeAfter_ = false;   // close the client connection after this response
  bool upgrade_ = false;      // the request asked for a protocol switch (or CONNECT)
  bool connect_ = false;
  bool headSent_ = false;     // the response head went to the client
  bool downPaused_ = false;
  bool upPaused_ = false;
  int status_ = 0;
  std::string authority_;
  Clock::time_point started_{};     // the request head arrived
  Clock::time_point headAt_{};      // the response head arrived
  Clock::time_point firstByteAt_{};  // its first body byte went to the client
  metrics::HttpSeries* series_ = nullptr;
  // The last series looked up, reused while target and authority stay the same.
  const upstream::Target* cachedTarget_ = nullptr;
  std::string cachedAuthority_;
  metrics::HttpSeries* cachedSeries_ = nullptr;
  io::Timer reap_{this};  // frees the session after it handed its streams to a relay
};

}  // namespace weir::proxy::http1
