#include "userspace-proxy/inbound/listener.h"

#include <algorithm>
#include <array>
#include <cerrno>

#include "common/base/log.h"
#include "userspace-proxy/transport/header.h"
#include "userspace-proxy/tunnel/mux.h"

namespace weir::proxy::inbound {

namespace {
spdlog::logger& log() {
  static const auto logger = weir::logger("inbound");
  return *logger;
}
}  // namespace

// A connection whose transport header has not arrived in full yet.
class Listener::Reading final : public io::StreamHandler, public io::TimerHandler {
 public:
  Reading(Listener& l, io::Stream& down) : l_(l), down_(&down) {
    ctx_.direction = "inbound";
    ctx_.registry = l.s_.registry;
    ctx_.tls = conn::plaintext(l.s_.tlsFront != nullptr ? "handshake" : "no_tls_from_remote");
    accepted_ = l.s_.loop->now();
    down.setHandler(this);
    l.s_.loop->arm(timer_, l.s_.headerTimeout);
  }

  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream&) override { tryHeader(); }
  void onEof(io::Stream& s, int err) override {
    reject(err == -EPROTO && s.transport() != nullptr
               ? "tls: " + std::string(s.transport()->failure())
               : std::string("connection closed before its transport header"));
  }
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream& s) override {
    meter_.close(s, s.error(), l_.s_.loop->now());
    l_.s_.loop->timers().cancel(timer_);
    delete this;
  }
  void onTimer(io::Timer&) override {
    if (down_ == nullptr) {
      delete this;  // handed off
      return;
    }
    reject("no transport header in time");
  }

 private:
  void tryHeader() {
    std::array<char, transport::kMagic.size() + 4 + transport::kMaxMessageBytes> buf;
    size_t n = down_->copyOut(buf.data(), buf.size());
    // Another node's proxy over mTLS opens a tunnel connection (HTTP/2, CONNECT streams); each
    // tunnel then starts with its own transport header and is read as a connection of its own.
    if (down_->transport() != nullptr && !down_->isVirtual()) {
      std::string_view head(buf.data(), std::min(n, tunnel::kPreface.size()));
      if (tunnel::kPreface.starts_with(head)) {
        if (head.size() == tunnel::kPreface.size()) {
          startTunnels();
        }
        return;
      }
    }
    transport::Decoded d = transport::decode({buf.data(), n});
    if (d.state == transport::Decoded::State::kNeedMore) {
      return;
    }
    if (d.state == transport::Decoded::State::kInvalid) {
      reject(d.why);
      return;
    }
    auto workload = l_.s_.workloads->findByIp(d.header.target.ip4);
    if (!workload) {
      reject("target " + d.header.target.str() + " is not a workload of this node");
      return;
    }
    if (auto* t = static_cast<tls::Session*>(down_->transport()); t != nullptr) {
      if (t->localIdentity() != workload->identity) {
        reject("target " + d.header.target.str() + " is not " + std::string(t->localIdentity()));
        return;
      }
      ctx_.tls = conn::mtlsLabels("client_id", t->peerIdentity());
    }
    down_->consume(d.consumed);
    ctx_.workload = std::move(workload);
    serve::Route route;
    route.picker = std::make_shared<upstream::FixedPicker>(upstream::plainTarget(d.header.target));
    route.protocol = d.header.protocol;
    route.authority = d.header.authority;
    route.single = true;
    route.dialFirst = true;
    io::Stream* down = down_;
    down_ = nullptr;
    l_.s_.loop->timers().cancel(timer_);
    // Counted from its accept, under the workload it is for.
    conn::Meter meter;
    meter.open(conn::acceptedSeries(ctx_), accepted_);
    serve::Dispatch::start(*l_.s_.serve, *down, meter, std::move(ctx_), std::move(route));
    l_.s_.loop->arm(timer_, io::Clock::duration::zero());  // frees this
  }

  void startTunnels() {
    io::Stream* carrier = down_;
    down_ = nullptr;
    l_.s_.loop->timers().cancel(timer_);
    Listener& l = l_;
    tunnel::Mux::server(*l_.s_.loop, *carrier, l_.s_.registry, [&l](io::Stream& vs, std::string_view) {
      new Reading(l, vs);
    });
    l_.s_.loop->arm(timer_, io::Clock::duration::zero());  // frees this
  }

  void reject(std::string_view why) {
    l_.s_.registry->counter(kBadHeaders, {})->inc();
    meter_.open(conn::acceptedSeries(ctx_), accepted_);  // closed with the connection
    log().info("inbound connection rejected conn={} reason=\"{}\"", down_->id(), why);
    down_->close();
  }

  Listener& l_;
  io::Stream* down_;
  conn::Context ctx_;
  conn::Meter meter_;  // only for a rejected connection, which has no workload
  io::Clock::time_point accepted_;
  io::Timer timer_{this};
};

void Listener::onAccept(int fd) {
  io::setNoDelay(fd);
  io::Stream* down = s_.loop->adopt(fd, nullptr);
  if (s_.tlsFront != nullptr) {
    down->setTransport(tls::Session::server(s_.tlsFront, s_.registry));
  }
  new Reading(*this, *down);
}

}  // namespace weir::proxy::inbound
