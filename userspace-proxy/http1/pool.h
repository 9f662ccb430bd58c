#pragma once

// A worker's idle HTTP/1 connections to upstream targets, kept for the next request to the same
// target from the same workload (each meshed workload has its own pool, as each Linkerd sidecar
// does, so a connection's tcp_* series belong to one workload). Most recently idle first: hot
// connections stay warm, cold ones time out. A connection that speaks or closes while idle is
// closed and dropped.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "userspace-proxy/conn/meter.h"
#include "userspace-proxy/http1/parser.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/upstream/target.h"

namespace weir::proxy::http1 {

struct PoolKey {
  uint64_t source = 0;  // the workload's cgroup id (0: unknown)
  io::Address endpoint;
  bool operator==(const PoolKey&) const = default;
};

struct PoolKeyHash {
  size_t operator()(const PoolKey& k) const {
    return std::hash<uint64_t>{}(k.source * 0x9e3779b97f4a7c15ULL ^
                                 ((static_cast<uint64_t>(k.endpoint.ip4) << 16) | k.endpoint.port));
  }
};

class Pool;

// One HTTP/1 connection to a target. Owned by the session using it, or by the pool while idle;
// freed by the pool once its stream has closed.
struct Upstream final : io::TimerHandler {
  explicit Upstream(Pool* p) : pool(p) {}
  void onTimer(io::Timer&) override;  // idle too long: the pool closes it
  Pool* pool;
  io::Stream* stream = nullptr;
  conn::Meter meter;
  Parser parser{Kind::kResponse};
  PoolKey key;
  upstream::TargetPtr target;
  uint32_t requests = 0;   // requests it carried
  bool connected = false;
  bool reused = false;     // taken from the pool for the current request
  io::Timer idleTimer{this};
};

struct PoolLimits {
  size_t maxIdlePerKey = 100;           // config.linkerd.io/proxy-outbound-max-idle-conns-per-host
  uint32_t maxRequestsPerConnection = 0;  // ...-max-requests-per-connection; 0 = no limit
  std::chrono::milliseconds idleTimeout{10000};
};

class Pool final : public io::StreamHandler {
 public:
  explicit Pool(io::Loop& loop) : loop_(loop) {}
  ~Pool() override;

  // A new connection object (not yet connected); its stream is the caller's to open.
  Upstream* make(const PoolKey& key, upstream::TargetPtr target);
  // The most recently idle connection for `key`, or null.
  Upstream* take(const PoolKey& key);
  // Keeps `u` for the next request under `limits`, or closes it when over them.
  void put(Upstream* u, const PoolLimits& limits);
  // Closes `u` (not reusable); the pool frees it once closed.
  void discard(Upstream* u);

  size_t idle() const { return idleCount_; }
  // Closes every idle connection and keeps none from now on (the proxy is going away).
  void closeIdle();

  // While idle: any byte or end from the server means the connection is no longer usable.
  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream& s) override;
  void onEof(io::Stream& s, int err) override;
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream& s) override;

 private:
  friend struct Upstream;
  void expired(Upstream* u);
  void unlink(Upstream* u);

  io::Loop& loop_;
  std::unordered_map<PoolKey, std::vector<Upstream*>, PoolKeyHash> idle_;
  size_t idleCount_ = 0;
  bool closed_ = false;  // closeIdle() was called
};

}  // namespace weir::proxy::http1
