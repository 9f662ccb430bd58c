#include "userspace-proxy/discovery/destination_client.h"

#include <netdb.h>
#include <sys/socket.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/base/log.h"
#include "common/base/read_file.h"
#include "userspace-proxy/discovery/backoff.h"
#include "userspace-proxy/discovery/grpc_frames.h"
#include "userspace-proxy/discovery/target_state.h"
#include "userspace-proxy/h2/conn.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/tls/session.h"

namespace weir::proxy::discovery {

namespace {

using io::Clock;

spdlog::logger& log() {
  static const auto logger = weir::logger("discovery");
  return *logger;
}

constexpr auto kTick = std::chrono::milliseconds(100);  // retries and idle checks

// "host:port" -> IPv4 address (the destination may be a name: weir-control.weir.svc:8086).
Result<io::Address> resolve(const std::string& hostPort) {
  size_t colon = hostPort.rfind(':');
  if (colon == std::string::npos) {
    return plainError("\"" + hostPort + "\": expected HOST:PORT");
  }
  std::string host = hostPort.substr(0, colon);
  std::string port = hostPort.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return plainError("resolve " + hostPort + ": " + ::gai_strerror(rc));
  }
  const auto* sa = reinterpret_cast<const sockaddr_in*>(res->ai_addr);
  io::Address out{sa->sin_addr.s_addr, ntohs(sa->sin_port)};
  ::freeaddrinfo(res);
  return out;
}

class DestinationClient final : public Resolver, public h2::ConnHandler, public io::TimerHandler {
 public:
  explicit DestinationClient(ResolverOptions options)
      : options_(std::move(options)),
        backoff_(BackoffPolicy{options_.backoffInitial, options_.backoffMax}) {
    std::promise<void> started;
    auto ready = started.get_future();
    thread_ = std::thread([this, &started] { run(started); });
    ready.wait();
  }

  ~DestinationClient() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      callbacks_.clear();
    }
    if (loop_ != nullptr) {
      loop_->wake();
    }
    thread_.join();
  }

  std::shared_ptr<const Resolution> lookup(std::string_view authority,
                                           std::string_view sourceNamespace) override {
    std::lock_guard lock(mu_);
    std::string key = keyOf(authority, sourceNamespace);
    auto [it, inserted] = targets_.try_emplace(key);
    Target& t = it->second;
    t.lastLookup = Clock::now();
    if (inserted) {
      t.authority = std::string(authority);
      t.sourceNamespace = std::string(sourceNamespace);
      t.published = std::make_shared<const Resolution>();
      t.getBackoff = std::make_unique<Backoff>(BackoffPolicy{options_.backoffInitial, options_.backoffMax});
      t.profileBackoff = std::make_unique<Backoff>(BackoffPolicy{options_.backoffInitial, options_.backoffMax});
      t.openGet = t.openProfile = true;
      ++stats_.authorities;
      if (loop_ != nullptr) {
        loop_->wake();  // the loop opens its streams
      }
    }
    return t.published;
  }

  std::shared_ptr<const Resolution> await(std::string_view authority,
                                          std::chrono::milliseconds timeout,
                                          std::string_view sourceNamespace) override {
    auto r = lookup(authority, sourceNamespace);
    std::unique_lock lock(mu_);
    std::string key = keyOf(authority, sourceNamespace);
    changed_.wait_for(lock, timeout, [&] {
      auto it = targets_.find(key);
      return it == targets_.end() || it->second.published->state != Resolution::State::kPending;
    });
    auto it = targets_.find(key);
    return it == targets_.end() ? r : it->second.published;
  }

  void onChange(std::function<void()> callback) override {
    std::lock_guard lock(mu_);
    callbacks_.push_back(std::move(callback));
  }

  ResolverStats stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

  // ---- h2::ConnHandler (the loop's thread) ----

  void onConnected(h2::Conn&, int err) override {
    if (err != 0) {
      return;  // onConnClosed follows
    }
    log().info("connected to destination={}", options_.destination);
    backoff_.reset();
    openDue();
  }

  void onHeaders(h2::Conn&, int32_t, h2::Leg* leg, h2::Block block, h2::Headers& headers,
                 bool end) override {
    auto* call = static_cast<Call*>(leg->owner);
    std::string_view status = h2::find(headers, "grpc-status");
    if (block == h2::Block::kResponse && h2::find(headers, ":status") != "200") {
      call->failure = "HTTP status " + std::string(h2::find(headers, ":status"));
    } else if (!status.empty() && status != "0") {
      call->failure = "grpc-status " + std::string(status) + ": " +
                      std::string(h2::find(headers, "grpc-message"));
    }
    (void)end;
  }

  void onData(h2::Conn& c, int32_t id, h2::Leg* leg, const uint8_t* data, size_t n) override {
    c.consume(id, n);  // used at once: the window stays open
    auto* call = static_cast<Call*>(leg->owner);
    call->frames.append(data, n);
    std::string_view message;
    for (;;) {
      GrpcFrames::Next next = call->frames.next(message);
      if (next == GrpcFrames::Next::kNeedMore) {
        return;
      }
      if (next == GrpcFrames::Next::kError) {
        call->failure = std::string(call->frames.error());
        conn_->detach(call->leg, NGHTTP2_PROTOCOL_ERROR);
        ended(call);
        return;
      }
      deliver(*call, message);
    }
  }

  void onEnd(h2::Conn&, int32_t, h2::Leg*) override {}

  void onStreamClosed(h2::Conn&, int32_t, h2::Leg* leg, uint32_t error) override {
    auto* call = static_cast<Call*>(leg->owner);
    if (call->failure.empty()) {
      call->failure = error == NGHTTP2_NO_ERROR ? "the stream ended"
                                                : std::string("reset: ") + nghttp2_http2_strerror(error);
    }
    ended(call);
  }

  void onConnClosed(h2::Conn&, io::Stream&, int err) override {
    log().warn("destination connection closed destination={} error={}", options_.destination, err);
    connDead_ = true;  // the Conn goes at the next tick (this callback runs inside it)
    scheduleReconnect();
  }

  void onTimer(io::Timer&) override { tick(); }

 private:
  struct Call {
    std::string key;  // its target's
    bool get = true;
    h2::Leg leg;
    GrpcFrames frames;
    bool answered = false;
    std::string failure;
  };

  struct Target {
    std::string authority;
    std::string sourceNamespace;
    TargetState state;
    std::shared_ptr<const Resolution> published;
    Clock::time_point lastLookup{};
    // Loop thread only:
    std::unique_ptr<Call> get;
    std::unique_ptr<Call> profile;
    bool openGet = false;  // a stream of this kind is due
    bool openProfile = false;
    Clock::time_point getRetryAt{};
    Clock::time_point profileRetryAt{};
    std::unique_ptr<Backoff> getBackoff;
    std::unique_ptr<Backoff> profileBackoff;
  };

  static std::string keyOf(std::string_view authority, std::string_view ns) {
    std::string key(ns);
    key += '\0';
    key += authority;
    return key;
  }

  void run(std::promise<void>& started) {
    auto created = io::Loop::create(io::LoopOptions{.ringEntries = 256,
                                                    .bufferCount = 64,
                                                    .bufferSize = 16384,
                                                    .initialBuffers = 8});
    if (!created) {
      log().error("discovery loop failed error=\"{}\"", created.error().str());
      started.set_value();
      return;
    }
    std::unique_ptr<io::Loop> loop = std::move(created.value());
    loop->setWakeHandler([this] { openDue(); });
    {
      std::lock_guard lock(mu_);
      loop_ = loop.get();
    }
    started.set_value();
    loop->arm(tick_, kTick);
    connect();
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) {
          break;
        }
      }
      loop->runOnce(1000);
      if (connDead_) {
        dropConn();
      }
    }
    loop->timers().cancel(tick_);
    conn_.reset();  // its stream is abandoned; the loop closes what is left
    std::lock_guard lock(mu_);
    loop_ = nullptr;
  }

  void connect() {
    auto addr = resolve(options_.destination);
    if (!addr) {
      log().warn("destination unreachable error=\"{}\"", addr.error().str());
      scheduleReconnect();
      return;
    }
    auto s = loop_->connect(addr.value(), nullptr);
    if (!s) {
      log().warn("destination connect failed error=\"{}\"", s.error().str());
      scheduleReconnect();
      return;
    }
    if (options_.tls.enabled()) {
      // The anchors as they are now: a rotated bundle holds from the next connection.
      auto anchors = readSmallFile(options_.tls.anchorsFile, "trust anchors");
      auto ctx = anchors ? tls::anchoredClient(anchors.value()) : Result<tls::CtxPtr>(anchors.error());
      if (!ctx) {
        log().warn("destination TLS not set up error=\"{}\"", ctx.error().str());
        s.value()->close();
        scheduleReconnect();
        return;
      }
      s.value()->setTransport(tls::Session::client(ctx.value().get(), options_.tls.serverName, nullptr));
    }
    conn_ = std::make_unique<h2::Conn>(*loop_, *s.value(), h2::Conn::Side::kClient, *this);
    reconnectAt_ = {};
  }

  void dropConn() {
    connDead_ = false;
    conn_.reset();
  }

  void scheduleReconnect() {
    reconnectAt_ = Clock::now() + backoff_.next();
  }

  // Opens every stream that is due (new authorities, broken streams past their backoff).
  void openDue() {
    if (!conn_ || connDead_ || conn_->closing()) {
      return;
    }
    std::vector<std::pair<std::string, bool>> due;
    auto now = Clock::now();
    {
      std::lock_guard lock(mu_);
      for (auto& [key, t] : targets_) {
        if (!t.get && (t.openGet || (t.getRetryAt != Clock::time_point{} && now >= t.getRetryAt))) {
          due.emplace_back(key, true);
        }
        if (!t.profile &&
            (t.openProfile || (t.profileRetryAt != Clock::time_point{} && now >= t.profileRetryAt))) {
          due.emplace_back(key, false);
        }
      }
    }
    for (auto& [key, get] : due) {
      open(key, get);
    }
  }

  void open(const std::string& key, bool get) {
    v1::GetDestination req;
    {
      std::lock_guard lock(mu_);
      auto it = targets_.find(key);
      if (it == targets_.end()) {
        return;
      }
      req.set_scheme("k8s");
      req.set_path(it->second.authority);
      req.set_source_namespace(it->second.sourceNamespace);
      req.set_node(options_.node);
    }
    auto call = std::make_unique<Call>();
    call->key = key;
    call->get = get;
    call->leg.owner = call.get();
    appendGrpcFrame(req.SerializeAsString(), call->leg.out.buf);
    call->leg.out.ended = true;
    h2::Headers headers{{":method", "POST"},
                        {":scheme", "http"},
                        {":path", get ? "/weir.v1.Destination/Get" : "/weir.v1.Destination/GetProfile"},
                        {":authority", options_.destination},
                        {"content-type", "application/grpc"},
                        {"te", "trailers"},
                        {"user-agent", "weir-proxy"}};
    if (conn_->request(headers, call->leg, false) <= 0) {
      scheduleReconnect();
      return;
    }
    std::lock_guard lock(mu_);
    auto it = targets_.find(key);
    if (it == targets_.end()) {
      conn_->detach(call->leg);
      return;
    }
    Target& t = it->second;
    (get ? t.openGet : t.openProfile) = false;
    (get ? t.getRetryAt : t.profileRetryAt) = {};
    (get ? t.get : t.profile) = std::move(call);
    ++stats_.streams;
  }

  // A message of a call: the target's state changes, a new resolution may be published.
  void deliver(Call& call, std::string_view message) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      auto it = targets_.find(call.key);
      if (it == targets_.end()) {
        return;
      }
      Target& t = it->second;
      if (call.get) {
        v1::Update update;
        if (!update.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
          call.failure = "an Update that does not parse";
          return;
        }
        stats_.droppedEndpoints += t.state.onUpdate(update, !call.answered);
        t.getBackoff->reset();
      } else {
        v1::DestinationProfile profile;
        if (!profile.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
          call.failure = "a DestinationProfile that does not parse";
          return;
        }
        t.state.onProfile(profile);
        t.profileBackoff->reset();
      }
      call.answered = true;
      if (auto next = t.state.publish(version_)) {
        t.published = std::move(next);
        callbacks = callbacks_;
      }
    }
    if (!callbacks.empty()) {
      changed_.notify_all();
      for (auto& cb : callbacks) {
        cb();
      }
    }
  }

  // A call is over: the target shows the failure (while it has no answer), and the stream is
  // opened again after its backoff.
  void ended(Call* call) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      --stats_.streams;
      auto it = targets_.find(call->key);
      if (it == targets_.end()) {
        return;
      }
      Target& t = it->second;
      std::unique_ptr<Call>& slot = call->get ? t.get : t.profile;
      if (slot.get() != call) {
        return;
      }
      ++stats_.streamFailures;
      log().info("destination stream ended authority={} stream={} reason=\"{}\"", t.authority,
                 call->get ? "get" : "profile", call->failure);
      t.state.onFailure(std::string(call->get ? "get: " : "profile: ") + call->failure);
      Backoff& b = call->get ? *t.getBackoff : *t.profileBackoff;
      (call->get ? t.getRetryAt : t.profileRetryAt) = Clock::now() + b.next();
      // The Call (and its leg) goes with this round: nghttp2 no longer knows the stream.
      retired_.push_back(std::move(slot));
      if (auto next = t.state.publish(version_)) {
        t.published = std::move(next);
        callbacks = callbacks_;
      }
    }
    if (!callbacks.empty()) {
      changed_.notify_all();
      for (auto& cb : callbacks) {
        cb();
      }
    }
  }

  void tick() {
    loop_->arm(tick_, kTick);
    retired_.clear();
    if (!conn_ && reconnectAt_ != Clock::time_point{} && Clock::now() >= reconnectAt_) {
      connect();
    }
    // Drop authorities nobody looked up for a while.
    if (options_.idleTimeout.count() > 0) {
      std::vector<std::unique_ptr<Call>> dropped;
      {
        std::lock_guard lock(mu_);
        auto now = Clock::now();
        for (auto it = targets_.begin(); it != targets_.end();) {
          if (now - it->second.lastLookup > options_.idleTimeout) {
            for (auto* c : {&it->second.get, &it->second.profile}) {
              if (*c) {
                dropped.push_back(std::move(*c));
                --stats_.streams;
              }
            }
            it = targets_.erase(it);
            --stats_.authorities;
          } else {
            ++it;
          }
        }
      }
      for (auto& c : dropped) {
        if (conn_) {
          conn_->detach(c->leg);
        }
      }
    }
    openDue();
  }

  ResolverOptions options_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Target> targets_;
  std::vector<std::function<void()>> callbacks_;
  ResolverStats stats_;
  uint64_t version_ = 0;
  bool stopping_ = false;
  io::Loop* loop_ = nullptr;
  // Loop thread only:
  std::unique_ptr<h2::Conn> conn_;
  bool connDead_ = false;
  Backoff backoff_;
  Clock::time_point reconnectAt_{};
  io::Timer tick_{this};
  std::vector<std::unique_ptr<Call>> retired_;
};

}  // namespace

Result<std::unique_ptr<Resolver>> createResolver(ResolverOptions options) {
  if (options.destination.empty()) {
    return plainError("no Destination address");
  }
  return std::unique_ptr<Resolver>(new DestinationClient(std::move(options)));
}

}  // namespace weir::proxy::discovery
