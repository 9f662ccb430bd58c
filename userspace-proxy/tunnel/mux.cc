#include "userspace-proxy/tunnel/mux.h"

#include <cerrno>

#include "common/base/log.h"

namespace weir::proxy::tunnel {

namespace {
spdlog::logger& log() {
  static const auto logger = weir::logger("tunnel");
  return *logger;
}

constexpr size_t kPipeFill = 128 * 1024;  // bytes a tunnel keeps ready for the connection
constexpr size_t kTakeStep = 16 * 1024;
// How long a closed tunnel waits for the peer's end before resetting (Linux's tcp_fin_timeout).
constexpr auto kLinger = std::chrono::seconds(60);
}  // namespace

// One CONNECT stream and the virtual stream it carries. Deleted when both are done with it:
// the stream's owner closed it, or the HTTP/2 stream closed (whichever comes last for the
// other side is told through the loop).
class Tunnel final : public io::Channel,
                     public io::Deferred,
                     public io::TimerHandler,
                     public h2::PipeSource {
 public:
  explicit Tunnel(Mux& mux) : mux_(&mux) {
    leg.owner = this;
    leg.out.source = this;
    mux.tunnelAdded();
  }
  ~Tunnel() override {
    mux_->loop_.cancelDeferred(*this);
    mux_->loop_.timers().cancel(lingerTimer);
    mux_->tunnelGone();
  }

  h2::Leg leg;
  io::Stream* vs = nullptr;
  bool connected = false;  // client: the peer answered 200
  bool paused = false;     // the owner paused reading
  size_t owed = 0;         // received while paused: acknowledged when reading resumes
  bool peerEnded = false;  // the peer half-closed (END_STREAM came)
  bool lingering = false;  // the owner closed and our end went: the stream ends with the peer's
  io::Timer lingerTimer{this};

  // Received bytes: acknowledged now unless the owner paused reading.
  void received(int32_t id, const uint8_t* data, size_t n) {
    if (vs == nullptr) {
      mux_->conn_->consume(id, n);
      if (lingering) {
        mux_->conn_->reset(leg, NGHTTP2_CANCEL);  // bytes for a closed socket: a reset
      }
      return;
    }
    if (paused) {
      owed += n;
    } else {
      mux_->conn_->consume(id, n);
    }
    mux_->loop_.virtualReceived(*vs, reinterpret_cast<const char*>(data), n);  // may delete this
  }

  // io::Channel
  void outboxReady(io::Stream&) override { mux_->loop_.defer(*this); }
  void readingChanged(io::Stream&, bool want) override {
    paused = !want;
    if (want && owed > 0 && leg.id > 0) {
      mux_->conn_->consume(leg.id, owed);
      owed = 0;
    }
  }
  void closed(io::Stream& s) override {
    vs = nullptr;
    if (leg.id > 0 && !s.hasInput()) {
      // As a socket's close sends a FIN: our end goes with what the pipe still holds, and the
      // stream ends with the peer's end, or with a reset if the peer sends more or stays
      // silent past kLinger. (A reset for every close would be the common case of a short
      // connection, and a peer counts resets as abuse.)
      if (!leg.out.ended) {
        leg.out.ended = true;
        mux_->conn_->resume(leg);
      }
      lingering = true;
      if (owed > 0) {
        mux_->conn_->consume(leg.id, owed);
        owed = 0;
      }
      if (!peerEnded) {
        mux_->loop_.arm(lingerTimer, kLinger);
      }
      return;
    }
    if (leg.attached || leg.id > 0) {
      mux_->conn_->detach(leg, NGHTTP2_CANCEL);
    }
    delete this;
  }
  io::Transport* carrier() const override {
    return mux_->conn_ != nullptr && !mux_->conn_->closing() ? mux_->conn_->stream().transport()
                                                             : nullptr;
  }

  // io::Deferred: refills the pipe from the stream's outbox.
  void onDeferred() override {
    if (vs == nullptr) {
      return;
    }
    h2::Pipe& p = leg.out;
    size_t moved = 0;
    while (!p.ended && p.size() < kPipeFill) {
      size_t before = p.buf.size();
      p.buf.resize(before + kTakeStep);
      bool end = false;
      size_t n = mux_->loop_.virtualTake(*vs, p.buf.data() + before, kTakeStep, &end);
      p.buf.resize(before + n);
      moved += n;
      if (end) {
        p.ended = true;
      }
      if (n == 0) {
        break;
      }
    }
    if ((moved > 0 || p.ended) && leg.id > 0) {
      mux_->conn_->resume(leg);
    }
    mux_->loop_.virtualAfterTake(*vs);  // may close the stream and delete this: last
  }

  // io::TimerHandler: the peer did not end its side in time.
  void onTimer(io::Timer&) override { mux_->conn_->reset(leg, NGHTTP2_CANCEL); }

  // h2::PipeSource: the connection took bytes; room for more.
  void onTaken(size_t) override {
    if (vs != nullptr) {
      mux_->loop_.defer(*this);
    }
  }

 private:
  Mux* mux_;
};

Mux::Mux(io::Loop& loop, bool client, metrics::Registry* registry)
    : loop_(loop), client_(client) {
  if (registry != nullptr) {
    metrics::Labels direction{{"direction", client ? "outbound" : "inbound"}};
    registry->counter(kTunnelConnections, direction)->inc();
    opened_ = registry->counter(kTunnels, direction);
  }
}

Mux* Mux::client(io::Loop& loop, io::Stream& carrier, metrics::Registry* registry,
                 OnGone onGone) {
  auto* m = new Mux(loop, true, registry);
  m->onGone_ = std::move(onGone);
  m->conn_ = std::make_unique<h2::Conn>(loop, carrier, h2::Conn::Side::kClient, *m);
  return m;
}

Mux* Mux::server(io::Loop& loop, io::Stream& carrier, metrics::Registry* registry,
                 OnStream onStream) {
  auto* m = new Mux(loop, false, registry);
  m->onStream_ = std::move(onStream);
  m->conn_ = std::make_unique<h2::Conn>(loop, carrier, h2::Conn::Side::kServer, *m);
  m->conn_->onReadable(carrier);  // what arrived with the preface
  return m;
}

Mux::~Mux() { loop_.timers().cancel(idle_); }

void Mux::setIdleTimeout(io::Clock::duration after) {
  idleAfter_ = after;
  if (tunnels_ == 0 && idleAfter_.count() > 0) {
    loop_.arm(idle_, idleAfter_);
  }
}

void Mux::tunnelAdded() {
  ++tunnels_;
  loop_.timers().cancel(idle_);
}

void Mux::tunnelGone() {
  if (--tunnels_ == 0 && idleAfter_.count() > 0 && conn_ != nullptr && !conn_->closing()) {
    loop_.arm(idle_, idleAfter_);
  }
}

io::Stream* Mux::open(std::string_view authority, io::StreamHandler* handler) {
  if (!canOpen()) {
    return nullptr;
  }
  auto* t = new Tunnel(*this);
  int32_t id = conn_->request(
      {{":method", "CONNECT"}, {":authority", std::string(authority)}}, t->leg, false);
  if (id < 0) {
    delete t;
    return nullptr;
  }
  t->vs = loop_.openVirtual(*t, handler);
  if (opened_ != nullptr) {
    opened_->inc();
  }
  return t->vs;
}

void Mux::retire() {
  if (conn_ != nullptr && !conn_->closing()) {
    conn_->shutdown();
  }
}

void Mux::onHeaders(h2::Conn& c, int32_t id, h2::Leg* leg, h2::Block block, h2::Headers& headers,
                    bool endStream) {
  if (!client_ && leg == nullptr && block == h2::Block::kRequest) {
    auto* t = new Tunnel(*this);
    c.attach(id, t->leg);
    std::string_view authority = h2::find(headers, ":authority");
    if (h2::find(headers, ":method") != "CONNECT" || authority.empty()) {
      log().info("tunnel refused stream={} method={} authority={}", id,
                 h2::find(headers, ":method"), authority);
      c.response({{":status", "405"}}, t->leg, true);  // the tunnel goes with the stream
      return;
    }
    c.response({{":status", "200"}}, t->leg, false);
    if (opened_ != nullptr) {
      opened_->inc();
    }
    t->vs = loop_.openVirtual(*t, nullptr);
    io::Stream* vs = t->vs;
    onStream_(*vs, authority);
    if (endStream) {
      t->peerEnded = true;
      loop_.virtualEof(*vs, 0);
    }
    return;
  }
  if (leg == nullptr) {
    return;
  }
  auto* t = static_cast<Tunnel*>(leg->owner);
  if (client_ && block == h2::Block::kResponse && !t->connected) {
    if (t->vs == nullptr) {
      return;
    }
    if (h2::find(headers, ":status") != "200") {
      io::Stream* vs = t->vs;
      t->vs = nullptr;
      c.detach(t->leg, NGHTTP2_CANCEL);
      delete t;
      loop_.virtualConnected(*vs, -ECONNREFUSED);
      return;
    }
    t->connected = true;
    loop_.virtualConnected(*t->vs, 0);
    return;  // a 200 with END_STREAM would be odd: the peer's END comes as onEnd
  }
  if (endStream) {
    t->peerEnded = true;
    if (t->vs != nullptr) {
      loop_.virtualEof(*t->vs, 0);
    }
  }
}

void Mux::onData(h2::Conn&, int32_t id, h2::Leg* leg, const uint8_t* data, size_t n) {
  if (leg == nullptr) {
    conn_->consume(id, n);
    return;
  }
  static_cast<Tunnel*>(leg->owner)->received(id, data, n);
}

void Mux::onEnd(h2::Conn&, int32_t, h2::Leg* leg) {
  if (leg == nullptr) {
    return;
  }
  auto* t = static_cast<Tunnel*>(leg->owner);
  t->peerEnded = true;
  if (t->vs != nullptr) {
    loop_.virtualEof(*t->vs, 0);
  }
}

void Mux::onStreamClosed(h2::Conn&, int32_t, h2::Leg* leg, uint32_t error) {
  if (leg == nullptr) {
    return;
  }
  auto* t = static_cast<Tunnel*>(leg->owner);
  io::Stream* vs = t->vs;
  bool connected = !client_ || t->connected;
  t->vs = nullptr;
  delete t;
  if (vs == nullptr) {
    return;
  }
  if (!connected) {
    // A stream refused on a connection that was up: the connection took no more (a GOAWAY, a
    // stream limit), which says nothing of the endpoint. A connection that never came up, or
    // a reset, does.
    bool tryAgain = error == NGHTTP2_REFUSED_STREAM && conn_ != nullptr && conn_->everConnected();
    loop_.virtualConnected(*vs, tryAgain                           ? kTryAgain
                                : error == NGHTTP2_REFUSED_STREAM ? -ECONNREFUSED
                                                                  : -ECONNRESET);
  } else {
    loop_.virtualDetach(*vs, error == NGHTTP2_NO_ERROR ? 0 : -ECONNRESET);
  }
}

void Mux::onConnClosed(h2::Conn&, io::Stream& s, int err) {
  log().debug("tunnel connection closed conn={} err={}", s.id(), err);
  if (onGone_) {
    onGone_(*this);
  }
  delete this;
}

void Mux::onConnected(h2::Conn&, int) {}

}  // namespace weir::proxy::tunnel
