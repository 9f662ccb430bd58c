#include "userspace-proxy/http1/session.h"

#include <cerrno>
#include <cstring>

#include "common/base/log.h"
#include "userspace-proxy/conn/relay.h"
#include "userspace-proxy/upstream/connect.h"

namespace weir::proxy::http1 {

namespace {

constexpr int kMaxAttempts = 3;

spdlog::logger& log() {
  static const auto logger = weir::logger("http1");
  return *logger;
}

}  // namespace

void Session::start(Env& env, io::Stream& down, conn::Meter downMeter, conn::Context ctx,
                    std::shared_ptr<upstream::Picker> picker, SessionOptions options,
                    std::optional<Preconnected> pre) {
  auto* s = new Session(env, down, downMeter, std::move(ctx), std::move(picker),
                        std::move(options));
  s->pre_ = std::move(pre);
  if (s->pre_) {
    s->pre_->stream->setHandler(s);
  }
  down.setHandler(s);
  down.resumeReading();
  s->pumpRequest();
  if (down.eof()) {
    s->onEof(down, -down.error());
  }
}

Session::Session(Env& env, io::Stream& down, conn::Meter downMeter, conn::Context ctx,
                 std::shared_ptr<upstream::Picker> picker, SessionOptions options)
    : env_(env),
      down_(&down),
      downMeter_(downMeter),
      ctx_(std::move(ctx)),
      picker_(std::move(picker)),
      options_(std::move(options)),
      parser_(Kind::kRequest, env.maxHeadBytes),
      limits_(env.limits) {
  // The client workload's own pool settings (Linkerd's proxy-outbound-* annotations).
  if (ctx_.workload && ctx_.workload->maxIdleConnsPerHost != 0) {
    limits_.maxIdlePerKey = ctx_.workload->maxIdleConnsPerHost;
  }
  if (ctx_.workload && ctx_.workload->maxRequestsPerConnection != 0) {
    limits_.maxRequestsPerConnection = ctx_.workload->maxRequestsPerConnection;
  }
}

metrics::Counter* Session::errorCounter(int status) {
  return ctx_.registry->counter(
      kHttpErrors, {{"direction", std::string(ctx_.direction)}, {"status", std::to_string(status)}});
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

// ---- requests ----

void Session::pumpRequest() {
  for (;;) {
    if (req_ == Req::kHead) {
      if (!down_->hasInput()) {
        return;
      }
      std::span<const char> bytes = down_->peek();
      Step st = parser_.parse(bytes);
      if (st.event == Event::kError) {
        answer(parser_.errorStatus(), parser_.errorReason());
        return;
      }
      down_->consume(st.consumed);
      if (st.event == Event::kHead) {
        startExchange();
      }
      continue;
    }
    if (req_ != Req::kBody) {
      return;  // done (a pipelined request waits), tunnel pending, or closing
    }
    if (up_ == nullptr || !up_->connected) {
      return;  // the body waits in the inbox until there is somewhere to send it
    }
    if (up_->stream->queued() > io::kHighWater) {
      if (!downPaused_) {
        downPaused_ = true;
        down_->pauseReading();
      }
      return;
    }
    std::span<const char> bytes = down_->peek();  // empty: a message without body still ends
    Step st = parser_.parse(bytes);
    switch (st.event) {
      case Event::kBody:
        if (st.consumed == 0) {
          return;
        }
        down_->forward(st.consumed, *up_->stream);
        bodySent_ = true;
        continue;
      case Event::kEnd:
        if (st.consumed > 0) {
          down_->forward(st.consumed, *up_->stream);
          bodySent_ = true;
        }
        req_ = Req::kDone;
        if (resp_ == Resp::kDone) {
          finishExchange();
        }
        return;
      case Event::kUpgrade:
        if (st.consumed > 0) {
          down_->forward(st.consumed, *up_->stream);
        }
        req_ = Req::kUpgrade;  // the rest waits for the server's answer
        return;
      case Event::kError:
        // A body that does not parse (a bad chunk size): the exchange cannot be finished.
        errorCounter(400)->inc();
        log().info("bad request body conn={} reason=\"{}\"", down_->id(), parser_.errorReason());
        closeAll();
        return;
      default:
        return;
    }
  }
}

void Session::startExchange() {
  const Head& h = parser_.head();
  started_ = env_.loop->now();
  headAt_ = firstByteAt_ = Clock::time_point{};
  closeAfter_ = !h.keepAlive || env_.draining;
  upgrade_ = h.upgrade;
  connect_ = equalsIgnoreCase(h.method, "CONNECT");
  authority_ = options_.authority.empty() ? std::string(connect_ ? std::string_view(h.target)
                                                                 : h.find("host"))
                                          : options_.authority;
  headSent_ = false;
  bodySent_ = false;
  status_ = 0;
  attempts_ = 0;
  series_ = nullptr;
  req_ = Req::kBody;
  resp_ = Resp::kWaiting;
  head_.clear();
  writeRequestHead(h, WriteOptions{.upgrade = upgrade_ && !connect_}, head_);
  if (!assignUpstream()) {
    return;
  }
  series_ = seriesFor(pick_.target.get(), authority_);
  series_->request();
}

bool Session::assignUpstream() {
  if (pre_) {
    // The connection opened while detecting, to an endpoint the picker chose then.
    auto* u = env_.pool->make(PoolKey{ctx_.source, pre_->pick.target->endpoint}, pre_->pick.target);
    u->stream = pre_->stream;
    u->stream->owner = u;
    u->meter = pre_->meter;
    u->connected = true;
    pick_ = std::move(pre_->pick);
    picked_ = true;
    pre_.reset();
    up_ = u;
    ++attempts_;
  } else {
    for (;;) {
      if (attempts_ >= kMaxAttempts) {
        answer(502, "no endpoint accepted the connection");
        return false;
      }
      ++attempts_;
      auto pick = picker_->pick(env_.loop->now());
      if (!pick) {
        answer(503, "no endpoint available");
        return false;
      }
      pick_ = std::move(*pick);
      picked_ = true;
      PoolKey key{ctx_.source, pick_.target->endpoint};
      if (Upstream* idle = env_.pool->take(key)) {
        up_ = idle;
        up_->stream->setHandler(this);
        break;
      }
      if (openUpstream(pick_)) {
        break;
      }
      picker_->abandon(pick_);
      picked_ = false;
    }
  }
  if (equalsIgnoreCase(parser_.head().method, "HEAD") || connect_) {
    up_->parser.expectNoBody();
  }
  up_->stream->sendCopy(head_);
  return true;
}

bool Session::openUpstream(const upstream::Pick& pick) {
  auto s = upstream::connectTo(*env_.loop, *pick.target, transport::Protocol::kHttp1,
                               options_.transportAuthority, this, env_.mtls,
                               conn::identityOf(ctx_));
  if (!s) {
    log().warn("connect failed conn={} to={} error=\"{}\"", down_->id(),
               pick.target->connectTo.str(), s.error().str());
    return false;
  }
  auto* u = env_.pool->make(PoolKey{ctx_.source, pick.target->endpoint}, pick.target);
  u->stream = s.value();
  u->stream->owner = u;
  up_ = u;
  return true;
}

void Session::onConnected(io::Stream& s, int err) {
  if (!isUp(s)) {
    return;
  }
  if (err != 0) {
    if (upstream::endpointAtFault(err)) {
      picker_->connectFailed(pick_, env_.loop->now());
    }
    upstreamFailed(err, "connect");
    return;
  }
  picker_->connected(pick_);
  up_->connected = true;
  up_->meter.open(conn::openedSeries(ctx_, *up_->target), env_.loop->now());
  pumpRequest();
}

// ---- responses ----

void Session::pumpResponse() {
  while (up_ != nullptr && resp_ != Resp::kIdle && resp_ != Resp::kDone) {
    // A head needs bytes; a body is parsed even with none, because a response without a body
    // (a 204, a length of 0, a 101) ends right after its head.
    if (!up_->stream->hasInput() && resp_ == Resp::kWaiting) {
      return;
    }
    if (down_->queued() > io::kHighWater) {
      if (!upPaused_) {
        upPaused_ = true;
        up_->stream->pauseReading();
      }
      return;
    }
    head_.clear();  // a response byte arrived: the request will not be sent again
    std::span<const char> bytes = up_->stream->peek();
    Step st = up_->parser.parse(bytes);
    switch (st.event) {
      case Event::kNeedMore:
        up_->stream->consume(st.consumed);
        continue;
      case Event::kHead:
        up_->stream->consume(st.consumed);
        onResponseHead();
        continue;
      case Event::kBody:
        if (st.consumed == 0) {
          return;
        }
        if (firstByteAt_ == Clock::time_point{}) {
          firstByteAt_ = env_.loop->now();
        }
        up_->stream->forward(st.consumed, *down_);
        continue;
      case Event::kEnd:
      case Event::kUpgrade: {
        if (st.consumed > 0) {
          if (firstByteAt_ == Clock::time_point{}) {
            firstByteAt_ = env_.loop->now();
          }
          up_->stream->forward(st.consumed, *down_);
        }
        int status = up_->parser.head().status;
        if (status >= 100 && status < 200 && status != 101) {
          resp_ = Resp::kWaiting;  // an interim response: the final one follows
          continue;
        }
        resp_ = Resp::kDone;
        if ((status == 101 && upgrade_) || (connect_ && status >= 200 && status < 300)) {
          startTunnel();
          return;
        }
        if (req_ == Req::kDone) {
          finishExchange();
        } else {
          // The server answered before the request ended (a 413, say): the rest of the request
          // cannot go anywhere, so neither connection can be reused.
          closeAfter_ = true;
          finishExchange();
        }
        return;
      }
      case Event::kError:
        upstreamFailed(-EPROTO, up_->parser.errorReason());
        return;
    }
  }
}

void Session::onResponseHead() {
  const Head& h = up_->parser.head();
  int status = h.status;
  bool interim = status >= 100 && status < 200 && status != 101;
  if (!interim) {
    status_ = status;
    resp_ = Resp::kBody;
    headAt_ = env_.loop->now();
    if (env_.draining) {
      closeAfter_ = true;  // the proxy is going away: this response says so
    }
    if (h.untilEof) {
      closeAfter_ = true;  // the client can only find the end by the close
    }
  }
  bool switching = (status == 101 && upgrade_) || (connect_ && status >= 200 && status < 300);
  std::string out = down_->scratch();
  writeResponseHead(
      h, WriteOptions{.upgrade = switching && !connect_, .close = closeAfter_ && !switching && !interim},
      out);
  down_->sendOwned(std::move(out));
  headSent_ = true;
}

void Session::finishExchange() {
  Clock::time_point now = env_.loop->now();
  // Linkerd's response_latency_ms: request head to the response's first body byte, or to its
  // end when it has none. The balancer learns the time to the response head.
  Clock::time_point firstByte = firstByteAt_ != Clock::time_point{} ? firstByteAt_ : now;
  if (series_ != nullptr && status_ != 0) {
    series_->response(status_, std::nullopt, firstByte - started_);
  }
  if (picked_) {
    picker_->finish(pick_, (headAt_ != Clock::time_point{} ? headAt_ : now) - started_, now);
    picked_ = false;
  }
  bool reusable = up_->parser.head().keepAlive && req_ == Req::kDone && !up_->stream->eof();
  releaseUpstream(reusable);
  resp_ = Resp::kIdle;
  // Draining closes a connection only after a response that said so (`Connection: close`):
  // closing after one that did not would meet the client's next request.
  if (closeAfter_ || req_ != Req::kDone) {
    req_ = Req::kClosing;
    down_->closeWhenDrained();
    return;
  }
  req_ = Req::kHead;
  if (down_->eof() && !down_->hasInput()) {
    req_ = Req::kClosing;
    down_->closeWhenDrained();
    return;
  }
  pumpRequest();
}

void Session::releaseUpstream(bool reusable) {
  if (up_ == nullptr) {
    return;
  }
  Upstream* u = up_;
  up_ = nullptr;
  upPaused_ = false;
  ++u->requests;
  u->meter.sync(*u->stream);
  if (reusable) {
    env_.pool->put(u, limits_);
  } else {
    env_.pool->discard(u);
  }
}

void Session::startTunnel() {
  // Finished as an exchange (counted with its 101 or 2xx), then both sides become one relay.
  Clock::time_point now = env_.loop->now();
  if (series_ != nullptr) {
    series_->response(status_, std::nullopt, now - started_);
  }
  Upstream* u = up_;
  up_ = nullptr;
  std::shared_ptr<upstream::Picker> picker = picker_;
  upstream::Pick pick = pick_;
  picked_ = false;
  io::Stream* down = down_;
  io::Stream* upStream = u->stream;
  conn::Meter upMeter = u->meter;
  u->stream->owner = nullptr;
  delete u;
  req_ = Req::kClosing;
  down_ = nullptr;
  conn::Relay::start(*down, downMeter_, *upStream, upMeter,
                     [picker, pick] { picker->abandon(pick); });
  // Nothing reaches this session any more; it goes at the end of the round, after whatever
  // called here has returned.
  env_.loop->arm(reap_, Clock::duration::zero());
}

void Session::onTimer(io::Timer&) { delete this; }

// ---- failures ----

void Session::answer(int status, std::string_view why) {
  errorCounter(status)->inc();
  log().info("answered status={} conn={} direction={} reason=\"{}\"", status, down_->id(),
             ctx_.direction, why);
  if (req_ != Req::kHead) {
    // A request that got this far is counted, with its target when one was chosen.
    if (series_ == nullptr) {
      series_ = seriesFor(picked_ ? pick_.target.get() : nullptr, authority_);
      series_->request();
    }
    series_->response(status, std::nullopt, env_.loop->now() - started_);
  }
  if (picked_) {
    picker_->abandon(pick_);
    picked_ = false;
  }
  if (up_ != nullptr) {
    releaseUpstream(false);
  }
  std::string out = down_->scratch();
  writeSimpleResponse(status, why, /*close=*/true, out);
  down_->sendOwned(std::move(out));
  req_ = Req::kClosing;
  resp_ = Resp::kIdle;
  down_->closeWhenDrained();
}

void Session::upstreamFailed(int err, std::string_view why) {
  const char* what = err < 0 ? std::strerror(-err) : "closed";
  log().info("upstream failed conn={} to={} during={} error=\"{}\"", down_->id(),
             up_ != nullptr ? up_->target->connectTo.str() : std::string("?"), why, what);
  bool retryable = !headSent_ && !bodySent_ && !head_.empty() && req_ != Req::kUpgrade &&
                   attempts_ < kMaxAttempts;
  if (picked_ && up_ != nullptr && !up_->reused && !head_.empty() &&
      upstream::endpointAtFault(err)) {
    // A new connection that ended before any response byte (refused by the endpoint, or by its
    // node's proxy on its behalf): the endpoint backs off like a refused connect.
    picker_->connectFailed(pick_, env_.loop->now());
  }
  if (picked_) {
    picker_->abandon(pick_);
    picked_ = false;
  }
  releaseUpstream(false);
  if (retryable) {
    // Nothing of the request beyond its head reached the server, and nothing came back: send it
    // to another connection (a pooled connection the server had just closed, a refused connect).
    if (assignUpstream()) {
      series_ = seriesFor(pick_.target.get(), authority_);
      series_->request();  // a retry is another request, as Linkerd counts them
      pumpRequest();
    }
    return;
  }
  if (!headSent_) {
    answer(err == -ETIMEDOUT ? 504 : 502, std::string("upstream ") + what);
    return;
  }
  closeAll();
}

void Session::closeAll() {
  if (picked_) {
    picker_->abandon(pick_);
    picked_ = false;
  }
  releaseUpstream(false);
  req_ = Req::kClosing;
  resp_ = Resp::kIdle;
  if (down_ != nullptr) {
    down_->close();
  }
}

// ---- events ----

void Session::onReadable(io::Stream& s) {
  if (&s == down_) {
    downMeter_.sync(s);
    pumpRequest();
  } else if (isUp(s)) {
    up_->meter.sync(s);
    pumpResponse();
  }
}

void Session::onEof(io::Stream& s, int err) {
  if (&s == down_) {
    if (err != 0) {
      closeAll();
      return;
    }
    if (req_ == Req::kHead && !parser_.inMessage() && resp_ == Resp::kIdle) {
      // The client is done and nothing is under way: close once our bytes are out.
      req_ = Req::kClosing;
      down_->closeWhenDrained();
      return;
    }
    if (req_ == Req::kBody || (req_ == Req::kHead && parser_.inMessage())) {
      Step st = parser_.finish();
      if (st.event != Event::kEnd) {
        closeAll();  // the request was cut short
        return;
      }
    }
    closeAfter_ = true;  // finish the response under way, then close
    return;
  }
  if (!isUp(s)) {
    return;
  }
  if (err != 0 && resp_ != Resp::kBody) {
    upstreamFailed(err, "response");
    return;
  }
  if (resp_ == Resp::kBody || resp_ == Resp::kWaiting) {
    pumpResponse();  // what arrived before the end
    if (up_ == nullptr || resp_ == Resp::kDone || resp_ == Resp::kIdle) {
      return;
    }
    Step st = up_->parser.finish();
    if (st.event == Event::kEnd && resp_ == Resp::kBody) {
      resp_ = Resp::kDone;
      closeAfter_ = true;
      if (req_ == Req::kDone || req_ == Req::kBody) {
        finishExchange();
      }
      return;
    }
    upstreamFailed(err != 0 ? err : -ECONNRESET, "response");
  }
}

void Session::onDrained(io::Stream& s) {
  if (&s == down_) {
    downMeter_.sync(s);
    if (upPaused_ && up_ != nullptr && s.queued() <= io::kLowWater) {
      upPaused_ = false;
      up_->stream->resumeReading();
      pumpResponse();
    }
  } else if (isUp(s)) {
    up_->meter.sync(s);
    if (downPaused_ && s.queued() <= io::kLowWater) {
      downPaused_ = false;
      down_->resumeReading();
      pumpRequest();
    }
  }
}

void Session::onClosed(io::Stream& s) {
  if (&s == down_) {
    downMeter_.close(s, s.error(), env_.loop->now());
    if (picked_) {
      picker_->abandon(pick_);
      picked_ = false;
    }
    releaseUpstream(false);
    if (pre_) {
      pre_->stream->abandon();
      if (pre_->pick.target) {
        picker_->abandon(pre_->pick);
      }
      pre_.reset();
    }
    delete this;
    return;
  }
  if (isUp(s)) {
    // Closed under us (a failed connect, a reset): the pool never saw it, so free it here.
    Upstream* u = up_;
    up_ = nullptr;
    u->meter.close(s, s.error(), env_.loop->now());
    delete u;
  }
}

}  // namespace weir::proxy::http1
