#include "userspace-proxy/serve/dispatch.h"

#include <array>

#include "common/base/log.h"
#include "userspace-proxy/conn/relay.h"

namespace weir::proxy::serve {

namespace {

spdlog::logger& log() {
  static const auto logger = weir::logger("dispatch");
  return *logger;
}

const char* protocolName(detect::Protocol p) {
  switch (p) {
    case detect::Protocol::kHttp1:
      return "http1";
    case detect::Protocol::kHttp2:
      return "http2";
    case detect::Protocol::kTls:
      return "tls";
    default:
      return "opaque";
  }
}

}  // namespace

void Dispatch::start(Env& env, io::Stream& down, conn::Meter meter, conn::Context ctx,
                     Route route) {
  auto* d = new Dispatch(env, down, meter, std::move(ctx), std::move(route));
  down.setHandler(d);
  down.resumeReading();
  if (d->route_.dialFirst && d->route_.protocol != transport::Protocol::kUnknown) {
    d->dialer_.start(d->route_.picker, d->route_.protocol, d->route_.transportAuthority, env.dial,
                     std::string(conn::identityOf(d->ctx_)));
    if (d->done_) {
      return;
    }
  }
  switch (d->route_.protocol) {
    case transport::Protocol::kHttp1:
      d->decided(detect::Protocol::kHttp1, "configured");
      return;
    case transport::Protocol::kHttp2:
      d->decided(detect::Protocol::kHttp2, "configured");
      return;
    case transport::Protocol::kOpaque:
      d->decided(detect::Protocol::kOpaque, "configured");
      return;
    case transport::Protocol::kUnknown:
      break;
  }
  env.http1->loop->arm(d->timer_, env.detectTimeout);
  env.http1->loop->arm(d->preDial_, kPreDialDelay);
  if (d->down_->hasInput()) {
    d->detectNow(false);
  }
}

Dispatch::~Dispatch() {
  env_.http1->loop->timers().cancel(timer_);
  env_.http1->loop->timers().cancel(preDial_);
}

void Dispatch::preDial() {
  // The client has not said enough to decide: perhaps it waits for the server. Dial, so that a
  // server that speaks first is heard (the connection serves the first HTTP/1 request or the
  // HTTP/2 pool otherwise).
  if (done_ || protocol_ || up_ != nullptr || dialer_.active() || dialFailed_) {
    return;
  }
  dialer_.start(route_.picker, transport::Protocol::kUnknown, route_.transportAuthority,
                env_.dial, std::string(conn::identityOf(ctx_)));
}

Dispatch::Dispatch(Env& env, io::Stream& down, conn::Meter meter, conn::Context ctx, Route route)
    : env_(env),
      down_(&down),
      meter_(meter),
      ctx_(std::move(ctx)),
      route_(std::move(route)),
      dialer_(*env.http1->loop, *this) {}

void Dispatch::count(const char* protocol, const char* how) {
  ctx_.registry
      ->counter(kDetected, {{"direction", std::string(ctx_.direction)},
                            {"protocol", protocol},
                            {"how", how}})
      ->inc();
}

void Dispatch::detectNow(bool final) {
  std::array<char, detect::kMaxDetectBytes> buf;
  size_t n = down_->copyOut(buf.data(), buf.size());
  auto d = detect::detect({reinterpret_cast<const uint8_t*>(buf.data()), n}, final);
  if (d.protocol == detect::Protocol::kNeedMore) {
    return;
  }
  if (d.protocol == detect::Protocol::kTls && !d.sni.empty()) {
    log().debug("tls passthrough conn={} sni={}", down_->id(), d.sni);
  }
  decided(d.protocol, final ? "timeout" : "client_bytes");
}

void Dispatch::decided(detect::Protocol protocol, const char* how) {
  protocol_ = protocol;
  env_.http1->loop->timers().cancel(timer_);
  env_.http1->loop->timers().cancel(preDial_);
  count(protocolName(protocol), how);
  handOff();
}

void Dispatch::handOff() {
  if (done_ || !protocol_) {
    return;
  }
  detect::Protocol p = *protocol_;
  if (p == detect::Protocol::kHttp1) {
    // Requests choose their own endpoints; the connection opened (or being opened) at accept
    // serves the first one: wait for its outcome rather than drop a connect half done.
    if (dialer_.active()) {
      return;  // onDialed / onDialFailed come back here
    }
    std::optional<http1::Preconnected> pre;
    if (up_ != nullptr) {
      pre = http1::Preconnected{up_, upMeter_, pick_};
      up_ = nullptr;
    }
    done_ = true;
    io::Stream* down = down_;
    down_ = nullptr;
    http1::Session::start(*env_.http1, *down, meter_, ctx_, route_.picker,
                          http1::SessionOptions{route_.authority, route_.transportAuthority},
                          std::move(pre));
    env_.http1->loop->arm(timer_, Clock::duration::zero());  // frees this
    return;
  }
  if (p == detect::Protocol::kHttp2) {
    // Streams choose their own endpoints over pooled connections; a connection open (or being
    // opened) to a picked endpoint joins the pool.
    if (dialer_.active()) {
      return;  // onDialed / onDialFailed come back here
    }
    std::optional<http2::Preconnected> pre;
    if (up_ != nullptr) {
      pre = http2::Preconnected{up_, upMeter_, pick_};
      up_ = nullptr;
    }
    done_ = true;
    io::Stream* down = down_;
    down_ = nullptr;
    http2::Session::start(*env_.http2, *down, meter_, ctx_, route_.picker,
                          http2::SessionOptions{route_.authority, route_.transportAuthority},
                          std::move(pre));
    env_.http1->loop->arm(timer_, Clock::duration::zero());  // frees this
    return;
  }
  // Everything else is a byte stream to one endpoint.
  if (up_ == nullptr) {
    if (dialFailed_) {
      fail();
    } else if (!dialer_.active()) {
      dialer_.start(route_.picker, transport::Protocol::kOpaque, route_.transportAuthority,
                    env_.dial, std::string(conn::identityOf(ctx_)));
    }
    return;  // onDialed comes back here
  }
  done_ = true;
  io::Stream* down = down_;
  io::Stream* up = up_;
  down_ = up_ = nullptr;
  std::shared_ptr<upstream::Picker> picker = route_.picker;
  upstream::Pick pick = pick_;
  conn::Relay::start(*down, meter_, *up, upMeter_, [picker, pick] { picker->abandon(pick); });
  env_.http1->loop->arm(timer_, Clock::duration::zero());  // frees this
}

void Dispatch::onDialed(io::Stream& s, const upstream::Pick& pick) {
  up_ = &s;
  pick_ = pick;
  s.setHandler(this);
  upMeter_.open(conn::openedSeries(ctx_, *pick.target), env_.http1->loop->now());
  if (protocol_) {
    handOff();
  }
}

void Dispatch::onDialFailed(int err) {
  dialFailed_ = true;
  log().info("no connection conn={} direction={} error={}", down_ != nullptr ? down_->id() : 0,
             ctx_.direction, err);
  bool http = protocol_ && (*protocol_ == detect::Protocol::kHttp1 ||
                            *protocol_ == detect::Protocol::kHttp2);
  if (route_.single || (protocol_ && !http)) {
    fail();
  } else if (protocol_) {
    handOff();  // HTTP: requests pick for themselves
  }
}

void Dispatch::dropUp() {
  if (up_ != nullptr) {
    upMeter_.close(*up_, 0, env_.http1->loop->now());
    up_->abandon();
    route_.picker->abandon(pick_);
    up_ = nullptr;
  }
}

void Dispatch::fail() {
  // Nowhere to send an opaque connection: close it (the client sees the connection end, as it
  // would see a refused connect without the mesh).
  done_ = true;
  down_->close();
}

void Dispatch::onReadable(io::Stream& s) {
  if (done_) {
    return;
  }
  if (&s == up_) {
    if (protocol_) {
      return;
    }
    std::array<char, 9> head;
    size_t n = s.copyOut(head.data(), head.size());
    if (detect::serverFirst({reinterpret_cast<const uint8_t*>(head.data()), n}) ==
        detect::ServerFirst::kOpaque) {
      // The server spoke first: a server-speaks-first protocol (SMTP, MySQL, NATS).
      decided(detect::Protocol::kOpaque, "server_first");
    }
    // An HTTP/2 server's SETTINGS: still the client's bytes that decide.
    return;
  }
  if (!protocol_) {
    detectNow(false);
  }
}

void Dispatch::onEof(io::Stream& s, int err) {
  if (done_) {
    return;
  }
  if (&s == up_) {
    if (protocol_) {
      return;
    }
    if (!s.hasInput() && s.bytesRead() == 0) {
      // Closed before saying anything (another node's proxy whose workload refused): not a
      // server-first protocol, just a connection that failed. Back the endpoint off; whatever
      // the client turns out to speak dials again.
      route_.picker->connectFailed(pick_, env_.http1->loop->now());
      dropUp();
      if (route_.single) {
        fail();
      }
      return;
    }
    decided(detect::Protocol::kOpaque, "server_first");  // the relay passes the close on
    return;
  }
  if (err != 0 || (!protocol_ && !s.hasInput())) {
    // The client went away before saying anything.
    done_ = true;
    dialer_.cancel();
    dropUp();
    down_->close();
    return;
  }
  if (!protocol_) {
    detectNow(true);
  }
}

void Dispatch::onTimer(io::Timer& t) {
  if (&t == &preDial_) {
    preDial();
    return;
  }
  if (done_) {
    if (down_ == nullptr) {
      delete this;  // handed off: the new owner has both streams
    }
    return;
  }
  if (!protocol_) {
    // Neither side said anything in time: opaque.
    detectNow(true);
  }
}

void Dispatch::onClosed(io::Stream& s) {
  if (&s == down_) {
    meter_.close(s, s.error(), env_.http1->loop->now());
    dialer_.cancel();
    dropUp();
    delete this;
    return;
  }
  if (&s == up_) {
    upMeter_.close(s, s.error(), env_.http1->loop->now());
    route_.picker->abandon(pick_);
    up_ = nullptr;
    dialFailed_ = true;
  }
}

}  // namespace weir::proxy::serve
