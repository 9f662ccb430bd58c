#include "userspace-proxy/outbound/listener.h"

#include "common/base/log.h"

namespace weir::proxy::outbound {

namespace {
spdlog::logger& log() {
  static const auto logger = weir::logger("outbound");
  return *logger;
}
}  // namespace

// A connection parked until its destination resolves.
class Listener::Waiting final : public io::StreamHandler, public io::TimerHandler {
 public:
  Waiting(Listener& l, io::Stream& down, conn::Meter meter, conn::Context ctx,
          std::string authority)
      : l_(l), down_(&down), meter_(meter), ctx_(std::move(ctx)), authority_(std::move(authority)) {
    next_ = l_.waiting_;
    if (next_ != nullptr) {
      next_->prev_ = this;
    }
    l_.waiting_ = this;
    down.setHandler(this);
    down.pauseReading();
    l_.s_.loop->arm(timer_, l_.s_.discoveryTimeout);
  }

  // Looks again; proceeds and frees itself when the destination resolved (or `fallback`).
  void retry(bool fallback) {
    std::string_view ns = ctx_.workload ? std::string_view(ctx_.workload->ns) : std::string_view();
    Resolved r = l_.s_.authorities->get(authority_, ns, l_.s_.loop->now(), fallback);
    if (r.pending) {
      return;
    }
    unlink();
    l_.s_.loop->timers().cancel(timer_);
    io::Stream* down = down_;
    down_ = nullptr;
    l_.proceed(*down, meter_, std::move(ctx_), authority_, r);
    l_.s_.loop->arm(timer_, Clock::duration::zero());  // frees this at the end of the round
  }

  Waiting* next() const { return next_; }

  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream&) override {}
  void onEof(io::Stream& s, int) override { s.close(); }
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream& s) override {
    meter_.close(s, s.error(), l_.s_.loop->now());
    unlink();
    l_.s_.loop->timers().cancel(timer_);
    delete this;
  }
  void onTimer(io::Timer&) override {
    if (down_ == nullptr) {
      delete this;
      return;
    }
    log().warn("discovery did not answer authority={} after={}ms: original destination",
               authority_, l_.s_.discoveryTimeout.count());
    retry(/*fallback=*/true);
  }

  void abandon() {
    unlink();
    l_.s_.loop->timers().cancel(timer_);
    if (down_ != nullptr) {
      down_->abandon();
    }
    delete this;
  }

 private:
  void unlink() {
    if (prev_ != nullptr) {
      prev_->next_ = next_;
    } else if (l_.waiting_ == this) {
      l_.waiting_ = next_;
    }
    if (next_ != nullptr) {
      next_->prev_ = prev_;
    }
    prev_ = next_ = nullptr;
  }

  Listener& l_;
  io::Stream* down_;
  conn::Meter meter_;
  conn::Context ctx_;
  std::string authority_;
  io::Timer timer_{this};
  Waiting* prev_ = nullptr;
  Waiting* next_ = nullptr;
};

Listener::~Listener() {
  while (waiting_ != nullptr) {
    waiting_->abandon();
  }
}

void Listener::onAccept(int fd) {
  io::setNoDelay(fd);
  auto origin = s_.origDst->lookup(fd);
  if (!origin) {
    s_.registry->counter(kNotSteered, {})->inc();
    ::close(fd);
    return;
  }
  conn::Context ctx;
  ctx.direction = "outbound";
  ctx.registry = s_.registry;
  ctx.source = origin->cgroupId;
  if (origin->cgroupId != 0) {
    ctx.workload = s_.workloads->find(origin->cgroupId);
  }
  // The application's own connection to the proxy never leaves the node (sockmap): its series
  // say so. Series of connections to other nodes' proxies say tls="true" with mTLS (scopeOf).
  ctx.tls = conn::plaintext(s_.mtls ? "loopback" : "not_provided_by_service_discovery");
  ctx.mtls = s_.mtls;
  io::Stream* down = s_.loop->adopt(fd, nullptr);
  conn::Meter meter;
  meter.open(conn::acceptedSeries(ctx), s_.loop->now());
  std::string authority = origin->dst.str();
  std::string_view ns = ctx.workload ? std::string_view(ctx.workload->ns) : std::string_view();
  Resolved r = s_.authorities->get(authority, ns, s_.loop->now());
  if (r.pending) {
    new Waiting(*this, *down, meter, std::move(ctx), std::move(authority));
    return;
  }
  proceed(*down, meter, std::move(ctx), authority, r);
}

void Listener::proceed(io::Stream& down, conn::Meter meter, conn::Context ctx,
                       const std::string& authority, const Resolved& r) {
  serve::Route route;
  route.picker = r.picker;
  route.protocol = r.opaque ? transport::Protocol::kOpaque : transport::Protocol::kUnknown;
  route.authority = r.authority;
  route.transportAuthority = r.authority.empty() ? authority : r.authority;
  route.single = r.single;
  serve::Dispatch::start(*s_.serve, down, meter, std::move(ctx), std::move(route));
}

void Listener::onDiscoveryChanged() {
  s_.authorities->refresh(s_.loop->now());
  for (Waiting* w = waiting_; w != nullptr;) {
    Waiting* next = w->next();
    w->retry(/*fallback=*/false);
    w = next;
  }
}

}  // namespace weir::proxy::outbound
