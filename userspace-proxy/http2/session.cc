#include "userspace-proxy/http2/session.h"

#include <charconv>

#include "common/base/log.h"
#include "userspace-proxy/http1/session.h"

namespace weir::proxy::http2 {

using h2::find;

namespace {

constexpr int kMaxAttempts = 3;

spdlog::logger& log() {
  static const auto logger = weir::logger("http2");
  return *logger;
}

std::optional<int> number(std::string_view v) {
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

struct Session::Exchange final : UpLegOwner {
  Session* session = nullptr;
  Leg down;  // the client's stream: out = the response body
  Leg up;    // the upstream stream: out = the request body
  Conn* upConn = nullptr;
  Headers request;  // kept until the exchange ends (a refused stream is sent again)
  std::string authority;
  upstream::Pick pick;
  bool picked = false;
  int attempts = 0;
  metrics::HttpSeries* series = nullptr;
  Clock::time_point started{};
  Clock::duration ttfb{};
  bool firstByte = false;
  int status = 0;
  std::optional<int> grpc;
  bool responded = false;  // response headers went to the client
  bool counted = false;    // the response is in the metrics
  bool downDone = false;   // the client's stream is closed
  bool upDone = true;      // no upstream stream open

  // Ready for the next request; strings and vectors keep their capacity.
  void reset() {
    down.out.buf.clear();
    down.out.off = 0;
    down.out.ended = down.out.hasTrailers = false;
    down.out.from = nullptr;
    down.out.taken = 0;
    up.out.buf.clear();
    up.out.off = 0;
    up.out.ended = up.out.hasTrailers = false;
    up.out.from = nullptr;
    up.out.taken = 0;
    down.id = up.id = -1;
    down.submitted = up.submitted = false;
    upConn = nullptr;
    authority.clear();
    pick = {};
    picked = false;
    attempts = 0;
    series = nullptr;
    ttfb = {};
    firstByte = false;
    status = 0;
    grpc.reset();
    responded = counted = downDone = false;
    upDone = true;
  }
};

void drainAll(Env& env) {
  env.draining = true;
  for (Session* s = env.sessions; s != nullptr;) {
    Session* next = s->next_;
    s->shutdown();
    s = next;
  }
  env.pool->shutdownAll();
}

void Session::start(Env& env, io::Stream& down, conn::Meter meter, conn::Context ctx,
                    std::shared_ptr<upstream::Picker> picker, SessionOptions options,
                    std::optional<Preconnected> pre) {
  auto* s = new Session(env, meter, std::move(ctx), std::move(picker), std::move(options));
  if (pre) {
    // The connection opened while the protocol was detected joins the pool; requests pick for
    // themselves.
    env.pool->adopt(http1::PoolKey{s->ctx_.source, pre->pick.target->endpoint}, pre->pick.target,
                    *pre->stream, pre->meter);
    s->picker_->abandon(pre->pick);
  }
  s->down_ = std::make_unique<Conn>(*env.loop, down, Conn::Side::kServer, *s);
  down.resumeReading();
  if (down.hasInput()) {
    s->down_->onReadable(down);
  }
  if (env.draining) {
    s->shutdown();
  }
}

Session::Session(Env& env, conn::Meter meter, conn::Context ctx,
                 std::shared_ptr<upstream::Picker> picker, SessionOptions options)
    : env_(env),
      meter_(meter),
      ctx_(std::move(ctx)),
      picker_(std::move(picker)),
      options_(std::move(options)) {
  next_ = env_.sessions;
  if (next_ != nullptr) {
    next_->prev_ = this;
  }
  env_.sessions = this;
}

Session::~Session() {
  for (Exchange* ex : free_) {
    delete ex;
  }
  if (prev_ != nullptr) {
    prev_->next_ = next_;
  } else if (env_.sessions == this) {
    env_.sessions = next_;
  }
  if (next_ != nullptr) {
    next_->prev_ = prev_;
  }
}

void Session::shutdown() {
  if (down_ && !down_->closing()) {
    down_->shutdown();
  }
}

metrics::HttpSeries* Session::seriesFor(const upstream::Target* target, std::string_view authority) {
  if (cachedSeries_ != nullptr && cachedTarget_ == target && cachedAuthority_ == authority) {
    return cachedSeries_;
  }
  cachedSeries_ = ctx_.registry->http(conn::scopeOf(ctx_, target, authority));
  cachedTarget_ = target;
  cachedAuthority_.assign(authority);
  return cachedSeries_;
}

// ---- the client's streams ----

void Session::onHeaders(Conn& c, int32_t id, Leg* leg, Block block, Headers& headers, bool end) {
  if (block == Block::kRequest && leg == nullptr) {
    Exchange* ex = nullptr;
    if (!free_.empty()) {
      ex = free_.back();
      free_.pop_back();
    } else {
      ex = new Exchange();
      ex->session = this;
      ex->events = this;
      ex->down.owner = ex;
      ex->up.owner = static_cast<UpLegOwner*>(ex);
    }
    c.attach(id, ex->down);
    ex->request.swap(headers);  // the connection gets the old vector (and its capacity) back
    ex->started = env_.loop->now();
    ex->authority = options_.authority.empty() ? std::string(find(ex->request, ":authority"))
                                               : options_.authority;
    ex->up.out.from = &c;
    ex->up.out.fromStream = id;
    ex->up.out.ended = end;
    open(*ex);
    return;
  }
  if (leg == nullptr || block != Block::kTrailers) {
    return;
  }
  // Request trailers (rare outside gRPC streaming): they end the request body.
  auto* ex = static_cast<Exchange*>(leg->owner);
  ex->up.out.trailers.swap(headers);
  ex->up.out.hasTrailers = true;
  ex->up.out.ended = true;
  if (ex->upConn != nullptr) {
    ex->upConn->resume(ex->up);
  }
}

void Session::open(Exchange& ex) {
  for (;;) {
    if (ex.attempts >= kMaxAttempts) {
      answer(ex, 502, "no endpoint accepted the stream");
      return;
    }
    ++ex.attempts;
    auto pick = picker_->pick(env_.loop->now());
    if (!pick) {
      answer(ex, 503, "no endpoint available");
      return;
    }
    ex.pick = std::move(*pick);
    ex.picked = true;
    ex.series = seriesFor(ex.pick.target.get(), ex.authority);
    ex.series->request();
    Conn* conn = env_.pool->get(http1::PoolKey{ctx_.source, ex.pick.target->endpoint},
                                ex.pick.target, ctx_, options_.transportAuthority);
    if (conn != nullptr) {
      bool endStream = ex.up.out.ended && ex.up.out.size() == 0 && !ex.up.out.hasTrailers;
      int32_t sid = conn->request(ex.request, ex.up, endStream);
      if (sid > 0) {
        ex.upConn = conn;
        ex.upDone = false;
        return;
      }
      log().info("upstream stream not opened conn={} error={}", down_->stream().id(),
                 nghttp2_strerror(sid));
    }
    picker_->connectFailed(ex.pick, env_.loop->now());
    picker_->abandon(ex.pick);
    ex.picked = false;
  }
}

void Session::onData(Conn&, int32_t, Leg* leg, const uint8_t* data, size_t n) {
  auto* ex = static_cast<Exchange*>(leg->owner);
  ex->up.out.append(data, n);
  if (ex->upConn != nullptr) {
    ex->upConn->resume(ex->up);
  } else if (ex->responded || ex->upDone) {
    down_->consume(ex->down.id, n);  // nowhere to go: acknowledge and drop
    ex->up.out.buf.clear();
    ex->up.out.off = 0;
  }
}

void Session::onEnd(Conn&, int32_t, Leg* leg) {
  auto* ex = static_cast<Exchange*>(leg->owner);
  ex->up.out.ended = true;
  if (ex->upConn != nullptr) {
    ex->upConn->resume(ex->up);
  }
}

void Session::onStreamClosed(Conn&, int32_t, Leg* leg, uint32_t error) {
  auto* ex = static_cast<Exchange*>(leg->owner);
  ex->downDone = true;
  if (ex->upConn != nullptr && !ex->upDone) {
    // The client reset (or the connection went): the upstream stream is cancelled too.
    ex->upConn->detach(ex->up, error == NGHTTP2_NO_ERROR ? uint32_t{NGHTTP2_CANCEL} : error);
    ex->upConn = nullptr;
    ex->upDone = true;
  }
  drop(*ex);
}

void Session::onConnClosed(Conn&, io::Stream& s, int err) {
  meter_.close(s, err, env_.loop->now());
  delete this;  // Conn (owned by down_) returned from its last callback
}

// ---- the upstream's streams ----

void Session::upHeaders(Leg& leg, Block block, Headers& headers, bool end) {
  auto* ex = static_cast<Exchange*>(static_cast<UpLegOwner*>(leg.owner));
  if (ex->downDone) {
    return;
  }
  switch (block) {
    case Block::kInterim:
      return;  // 1xx: nothing a client of the proxy needs
    case Block::kResponse: {
      ex->status = number(find(headers, ":status")).value_or(0);
      if (auto g = find(headers, "grpc-status"); !g.empty()) {
        ex->grpc = number(g);  // a trailers-only response
      }
      ex->responded = down_->response(headers, ex->down, end);
      if (end) {
        ex->ttfb = env_.loop->now() - ex->started;
        ex->firstByte = true;
        finish(*ex);
      }
      return;
    }
    case Block::kTrailers:
      if (auto g = find(headers, "grpc-status"); !g.empty()) {
        ex->grpc = number(g);
      }
      ex->down.out.trailers.swap(headers);
      ex->down.out.hasTrailers = true;
      ex->down.out.ended = true;
      down_->resume(ex->down);
      finish(*ex);
      return;
    case Block::kRequest:
      return;
  }
}

void Session::upData(Leg& leg, Conn& from, int32_t id, const uint8_t* data, size_t n) {
  auto* ex = static_cast<Exchange*>(static_cast<UpLegOwner*>(leg.owner));
  if (ex->downDone) {
    from.consume(id, n);
    return;
  }
  if (!ex->firstByte) {
    ex->firstByte = true;
    ex->ttfb = env_.loop->now() - ex->started;
  }
  ex->down.out.append(data, n);
  ex->down.out.from = &from;
  ex->down.out.fromStream = id;
  down_->resume(ex->down);
}

void Session::upEnd(Leg& leg) {
  auto* ex = static_cast<Exchange*>(static_cast<UpLegOwner*>(leg.owner));
  ex->down.out.ended = true;
  if (!ex->downDone) {
    down_->resume(ex->down);
  }
  finish(*ex);
}

void Session::upClosed(Leg& leg, uint32_t error) {
  auto* ex = static_cast<Exchange*>(static_cast<UpLegOwner*>(leg.owner));
  ex->upConn = nullptr;
  ex->upDone = true;
  if (ex->down.out.from != nullptr) {
    // The stream is gone before the client took all of its bytes: acknowledge them on the
    // connection now (it may be gone too by the time they are taken), or its window shrinks
    // for good.
    ex->down.out.from->consume(ex->down.out.fromStream, ex->down.out.size());
    ex->down.out.from = nullptr;
  }
  if (error != NGHTTP2_NO_ERROR && !ex->downDone) {
    if (!ex->responded) {
      if (error == NGHTTP2_REFUSED_STREAM && ex->up.out.taken == 0) {
        // The upstream never took it (a connection that did not come up, a GOAWAY): another
        // endpoint may.
        picker_->connectFailed(ex->pick, env_.loop->now());
        picker_->abandon(ex->pick);
        ex->picked = false;
        ex->up.id = -1;
        ex->up.submitted = false;
        open(*ex);
        return;
      }
      answer(*ex, 502, "upstream reset the stream");
      return;
    }
    down_->reset(ex->down, error);  // a response under way is cut short as it was upstream
    if (!ex->counted) {
      ex->counted = true;
      ex->series->response(ex->status, ex->grpc, metrics::Classification::kFailure,
                           env_.loop->now() - ex->started);
    }
  }
  if (ex->picked) {
    picker_->abandon(ex->pick);
    ex->picked = false;
  }
  drop(*ex);
}

// ---- endings ----

void Session::answer(Exchange& ex, int status, std::string_view why) {
  ctx_.registry
      ->counter(http1::kHttpErrors,
                {{"direction", std::string(ctx_.direction)}, {"status", std::to_string(status)}})
      ->inc();
  log().info("answered status={} stream={} direction={} reason=\"{}\"", status, ex.down.id,
             ctx_.direction, why);
  if (ex.series == nullptr) {
    ex.series = seriesFor(nullptr, ex.authority);
    ex.series->request();
  }
  ex.status = status;
  ex.counted = true;
  ex.series->response(status, std::nullopt, env_.loop->now() - ex.started);
  if (ex.picked) {
    picker_->abandon(ex.pick);
    ex.picked = false;
  }
  Headers h{{":status", std::to_string(status)},
            {"content-type", "text/plain"},
            {"l5d-proxy-error", std::string(why)}};
  ex.down.out.buf = std::string(why) + "\n";
  ex.down.out.off = 0;
  ex.down.out.ended = true;
  ex.down.out.from = nullptr;
  ex.responded = down_->response(h, ex.down, false);
}

void Session::finish(Exchange& ex) {
  if (ex.counted) {
    return;
  }
  ex.counted = true;
  Clock::time_point now = env_.loop->now();
  Clock::duration latency = ex.firstByte ? ex.ttfb : now - ex.started;
  ex.series->response(ex.status, ex.grpc, latency);
  if (ex.picked) {
    picker_->finish(ex.pick, latency, now);
    ex.picked = false;
  }
}

void Session::drop(Exchange& ex) {
  if (!ex.downDone || !ex.upDone) {
    return;
  }
  if (ex.picked) {
    picker_->abandon(ex.pick);
  }
  ex.reset();
  free_.push_back(&ex);  // the next request of this connection reuses it
}

}  // namespace weir::proxy::http2
