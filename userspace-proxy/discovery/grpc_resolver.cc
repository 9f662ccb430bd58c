#include "userspace-proxy/discovery/grpc_resolver.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/base/log.h"
#include "userspace-proxy/discovery/backoff.h"
#include "userspace-proxy/discovery/target_state.h"
#include "userspace-proxy/discovery/watch.h"
#include "weir/v1/destination.grpc.pb.h"

namespace weir::proxy::discovery {

namespace {

using SteadyClock = std::chrono::steady_clock;

spdlog::logger& log() {
  static const auto logger = weir::logger("discovery");
  return *logger;
}

class GrpcResolver final : public Resolver {
 public:
  explicit GrpcResolver(ResolverOptions options) : options_(std::move(options)) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(options_.backoffInitial.count()));
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(options_.backoffInitial.count()));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options_.backoffMax.count()));
    channel_ = grpc::CreateCustomChannel(options_.destination, grpc::InsecureChannelCredentials(),
                                         args);
    stub_ = v1::Destination::NewStub(channel_);
    thread_ = std::thread([this] { run(); });
  }

  ~GrpcResolver() override {
    std::vector<std::shared_ptr<Call>> calls;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (auto& [key, t] : targets_) {
        for (auto* c : {&t->get, &t->profile}) {
          if (*c) {
            calls.push_back(*c);
          }
        }
      }
    }
    wake_.notify_all();
    for (auto& c : calls) {
      c->cancel();
    }
    // Every call's OnDone has to have run before the stub and this object go.
    std::unique_lock lock(mu_);
    done_.wait(lock, [this] { return openCalls_ == 0; });
    lock.unlock();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  std::shared_ptr<const Resolution> lookup(std::string_view authority,
                                           std::string_view sourceNamespace) override {
    std::shared_ptr<Target> t;
    std::shared_ptr<const Resolution> out;
    bool fresh = false;
    {
      std::lock_guard lock(mu_);
      std::string key = keyOf(authority, sourceNamespace);
      auto it = targets_.find(key);
      if (it == targets_.end()) {
        t = std::make_shared<Target>(options_);
        t->authority = std::string(authority);
        t->sourceNamespace = std::string(sourceNamespace);
        t->published = std::make_shared<const Resolution>();
        targets_.emplace(key, t);
        ++stats_.authorities;
        fresh = true;
      } else {
        t = it->second;
      }
      t->lastLookup = SteadyClock::now();
      out = t->published;
    }
    if (fresh) {
      open(t, /*get=*/true);
      open(t, /*get=*/false);
    }
    return out;
  }

  std::shared_ptr<const Resolution> await(std::string_view authority,
                                          std::chrono::milliseconds timeout,
                                          std::string_view sourceNamespace) override {
    auto r = lookup(authority, sourceNamespace);
    auto deadline = SteadyClock::now() + timeout;
    std::unique_lock lock(mu_);
    std::string key = keyOf(authority, sourceNamespace);
    changed_.wait_until(lock, deadline, [&] {
      auto it = targets_.find(key);
      return it == targets_.end() || it->second->published->state != Resolution::State::kPending;
    });
    auto it = targets_.find(key);
    return it == targets_.end() ? r : it->second->published;
  }

  void onChange(std::function<void()> callback) override {
    std::lock_guard lock(mu_);
    callbacks_.push_back(std::move(callback));
  }

  ResolverStats stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  struct Target {
    explicit Target(const ResolverOptions& o)
        : getBackoff({o.backoffInitial, o.backoffMax}), profileBackoff({o.backoffInitial, o.backoffMax}) {}
    std::string authority;
    std::string sourceNamespace;
    TargetState state;
    std::shared_ptr<const Resolution> published;
    std::shared_ptr<Call> get;
    std::shared_ptr<Call> profile;
    Backoff getBackoff;
    Backoff profileBackoff;
    SteadyClock::time_point getRetryAt{};  // a broken stream re-opens then (zero: none due)
    SteadyClock::time_point profileRetryAt{};
    SteadyClock::time_point lastLookup{};
    bool dropped = false;
  };

  static std::string keyOf(std::string_view authority, std::string_view ns) {
    std::string key(ns);
    key += '\0';
    key += authority;
    return key;
  }

  v1::GetDestination request(const Target& t) const {
    v1::GetDestination req;
    req.set_scheme("k8s");
    req.set_path(t.authority);
    req.set_source_namespace(t.sourceNamespace);
    req.set_node(options_.node);
    return req;
  }

  // Starts one of a target's streams. Never called with mu_ held (start() may call back).
  void open(const std::shared_ptr<Target>& t, bool get) {
    std::weak_ptr<Target> weak = t;
    std::shared_ptr<Call> call;
    if (get) {
      call = Watch<v1::Update>::create(
          [this](grpc::ClientContext* c, const v1::GetDestination* r,
                 grpc::ClientReadReactor<v1::Update>* reactor) { stub_->async()->Get(c, r, reactor); },
          request(*t),
          [this, weak](const v1::Update& u, bool first) {
            if (auto t = weak.lock()) {
              update(t, [&](Target& x) {
                stats_.droppedEndpoints += x.state.onUpdate(u, first);
                x.getBackoff.reset();
              });
            }
          },
          [this, weak](const grpc::Status& st, bool answered) { ended(weak, true, st, answered); });
    } else {
      call = Watch<v1::DestinationProfile>::create(
          [this](grpc::ClientContext* c, const v1::GetDestination* r,
                 grpc::ClientReadReactor<v1::DestinationProfile>* reactor) {
            stub_->async()->GetProfile(c, r, reactor);
          },
          request(*t),
          [this, weak](const v1::DestinationProfile& p, bool) {
            if (auto t = weak.lock()) {
              update(t, [&](Target& x) {
                x.state.onProfile(p);
                x.profileBackoff.reset();
              });
            }
          },
          [this, weak](const grpc::Status& st, bool answered) { ended(weak, false, st, answered); });
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_ || t->dropped) {
        return;
      }
      (get ? t->get : t->profile) = call;
      ++openCalls_;
      ++stats_.streams;
    }
    call->start();
  }

  // Applies a change to a target and publishes the new resolution, if any, to the callbacks.
  template <typename F>
  void update(const std::shared_ptr<Target>& t, F&& change) {
    bool published = false;
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      change(*t);
      if (auto next = t->state.publish(version_)) {
        t->published = std::move(next);
        published = true;
        callbacks = callbacks_;
      }
    }
    if (published) {
      changed_.notify_all();
      for (auto& cb : callbacks) {
        cb();
      }
    }
  }

  void ended(const std::weak_ptr<Target>& weak, bool get, const grpc::Status& st, bool answered) {
    auto t = weak.lock();
    bool cancelled = st.error_code() == grpc::StatusCode::CANCELLED;
    if (t && !cancelled) {
      log().info("destination stream ended authority={} stream={} code={} message=\"{}\"",
                 t->authority, get ? "get" : "profile", static_cast<int>(st.error_code()),
                 st.error_message());
      update(t, [&](Target& x) {
        ++stats_.streamFailures;
        x.state.onFailure(std::string(get ? "get: " : "profile: ") + st.error_message());
        Backoff& b = get ? x.getBackoff : x.profileBackoff;
        (get ? x.getRetryAt : x.profileRetryAt) = SteadyClock::now() + b.next();
        (void)answered;
      });
      wake_.notify_all();
    }
    std::lock_guard lock(mu_);
    if (t) {
      (get ? t->get : t->profile).reset();
    }
    --openCalls_;
    --stats_.streams;
    done_.notify_all();
  }

  // Re-opens broken streams when their backoff is over; drops authorities idle too long.
  void run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      if (stopping_) {
        break;
      }
      auto now = SteadyClock::now();
      std::vector<std::pair<std::shared_ptr<Target>, bool>> reopen;
      std::vector<std::shared_ptr<Call>> cancel;
      for (auto it = targets_.begin(); it != targets_.end();) {
        auto& t = it->second;
        if (options_.idleTimeout.count() > 0 && now - t->lastLookup > options_.idleTimeout) {
          t->dropped = true;
          for (auto* c : {&t->get, &t->profile}) {
            if (*c) {
              cancel.push_back(*c);
            }
          }
          it = targets_.erase(it);
          --stats_.authorities;
          continue;
        }
        if (!t->get && t->getRetryAt != SteadyClock::time_point{} && now >= t->getRetryAt) {
          t->getRetryAt = {};
          reopen.emplace_back(t, true);
        }
        if (!t->profile && t->profileRetryAt != SteadyClock::time_point{} &&
            now >= t->profileRetryAt) {
          t->profileRetryAt = {};
          reopen.emplace_back(t, false);
        }
        ++it;
      }
      lock.unlock();
      for (auto& c : cancel) {
        c->cancel();
      }
      for (auto& [t, get] : reopen) {
        open(t, get);
      }
      lock.lock();
    }
  }

  ResolverOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Destination::Stub> stub_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable changed_;
  std::condition_variable done_;
  std::map<std::string, std::shared_ptr<Target>> targets_;
  std::vector<std::function<void()>> callbacks_;
  ResolverStats stats_;
  uint64_t version_ = 0;
  int openCalls_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<Resolver>> createGrpcResolver(ResolverOptions options) {
  if (options.destination.empty()) {
    return plainError("no Destination address");
  }
  return std::unique_ptr<Resolver>(new GrpcResolver(std::move(options)));
}

}  // namespace weir::proxy::discovery
