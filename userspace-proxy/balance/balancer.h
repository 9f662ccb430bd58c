#pragma once

// A per-worker balancer over one service's endpoints, as Linkerd's proxy balances: single-threaded,
// no locks; time is passed in, randomness comes from a seeded PRNG the balancer owns.
//
//   Balancer lb(Algorithm::kEwma, seed);
//   lb.update(endpoints, now);              // from discovery; may allocate
//   if (auto p = lb.pick(now)) {            // counts the request as in flight
//     ... connect to p->addr: lb.connectFailed(p->handle, now) or lb.connected(p->handle) ...
//     lb.finish(p->handle, latency, now);   // or lb.abandon(p->handle) if there is no sample
//   }
//
// Request lifecycle: pick() starts the request (there is no separate start()); every pick must be
// ended by exactly one finish() or abandon(). A Handle stays valid until its request ends, even
// across update(): an endpoint removed by update() drains (never picked again) and is freed once
// its last request ends. Calls with a handle whose endpoint was already freed are ignored.
//
// Weights: weight 0 gets no new requests. EWMA and P2C draw their two candidates with probability
// proportional to weight and compare unweighted costs, so with equal costs traffic splits by
// weight. Round-robin ignores weights other than 0 and cycles in update() order.
//
// Connect backoff: after n consecutive connect failures an endpoint is skipped for
// min(backoffBase * 2^(n-1), backoffMax) plus up to backoffJitter of that. When that time has
// passed it gets exactly one probe request; the probe ends at connected(), connectFailed() (the
// next, doubled backoff) or when a request on it ends. connected() resets the failure count.
//
// pick(), finish(), abandon(), connected() and connectFailed() do not allocate.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "userspace-proxy/balance/algorithm.h"
#include "userspace-proxy/balance/peak_ewma.h"

namespace weir::proxy::balance {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Address {
  uint32_t ip4 = 0;   // network byte order
  uint16_t port = 0;  // host byte order
  friend bool operator==(const Address&, const Address&) = default;
};

struct EndpointSpec {
  Address addr;
  uint32_t weight = 1;  // relative; 0 = gets nothing new
};

// Defaults are Linkerd's: peak-EWMA decay 10 s, default RTT 30 ms, outbound connect backoff
// 100 ms doubling to 500 ms with 10 % jitter.
struct Options {
  std::chrono::nanoseconds ewmaDecay = std::chrono::seconds(10);
  std::chrono::nanoseconds defaultRtt = std::chrono::milliseconds(30);
  std::chrono::nanoseconds backoffBase = std::chrono::milliseconds(100);
  std::chrono::nanoseconds backoffMax = std::chrono::milliseconds(500);
  double backoffJitter = 0.1;  // fraction of the delay added at random, [0, backoffJitter]
};

// Names one endpoint slot for the lifetime of a request.
struct Handle {
  uint32_t index = 0;
  uint32_t generation = 0;
  friend bool operator==(const Handle&, const Handle&) = default;
};

struct Pick {
  Handle handle;
  Address addr;
};

// A snapshot of one endpoint, for tests and metrics.
struct EndpointStats {
  Address addr;
  uint32_t weight = 0;
  uint32_t pending = 0;   // requests in flight
  double ewmaNs = 0;      // stored peak-EWMA (default RTT until the first sample)
  bool sampled = false;   // ewmaNs comes from a real sample
  uint32_t failures = 0;  // consecutive connect failures
  TimePoint retryAt{};    // with failures > 0: not picked before this
  bool draining = false;
};

class Balancer {
 public:
  Balancer(Algorithm algorithm, uint64_t seed, Options options = {});

  // Replaces the endpoint set. Endpoints that stay (same address, draining ones included) keep
  // their statistics and backoff; their weight is updated. New endpoints start at the default RTT
  // as of `now`. Removed endpoints drain. A repeated address keeps its first entry.
  void update(std::span<const EndpointSpec> endpoints, TimePoint now);

  // Chooses an endpoint and counts the request in flight; nullopt when none is available (no
  // endpoints, all weight 0, or all in connect backoff).
  std::optional<Pick> pick(TimePoint now);

  // Ends a request with a latency sample (time to response headers).
  void finish(Handle handle, std::chrono::nanoseconds latency, TimePoint now);
  // Ends a request without a sample (cancelled, reset, failed to connect).
  void abandon(Handle handle);

  void connected(Handle handle);
  void connectFailed(Handle handle, TimePoint now);

  Algorithm algorithm() const { return algorithm_; }
  // Endpoints in the current set (weight 0 included, draining excluded).
  size_t size() const { return size_; }
  // Removed endpoints still waiting for their in-flight requests to end.
  size_t draining() const;
  // False once the handle's endpoint has been freed.
  bool contains(Handle handle) const;
  std::optional<EndpointStats> stats(Handle handle) const;
  // The current or draining endpoint at `addr`.
  std::optional<EndpointStats> stats(Address addr) const;

 private:
  enum class State : uint8_t { kFree, kActive, kDraining };

  struct Slot {
    Address addr;
    uint32_t weight = 0;
    uint32_t generation = 0;
    uint32_t pending = 0;
    uint32_t failures = 0;
    State state = State::kFree;
    bool probing = false;  // the one probe after a backoff is in flight
    PeakEwma ewma;
    TimePoint retryAt{};
  };

  static constexpr size_t kNone = SIZE_MAX;

  Slot* find(Handle handle);
  const Slot* find(Handle handle) const;
  uint32_t allocate(Address addr, TimePoint now);
  void release(uint32_t index);
  void endRequest(Slot& slot, uint32_t index);
  bool eligible(const Slot& slot, TimePoint now) const;
  double cost(const Slot& slot, TimePoint now) const;

  // Positions (into candidates_) of an eligible endpoint other than `exclude`, drawn by weight.
  std::optional<size_t> draw(TimePoint now, size_t exclude);
  std::optional<size_t> pickTwoChoices(TimePoint now);
  std::optional<size_t> pickRoundRobin(TimePoint now);

  uint64_t nextRandom();
  uint64_t randomBelow(uint64_t bound) { return nextRandom() % bound; }

  EndpointStats snapshot(const Slot& slot) const;

  Algorithm algorithm_;
  Options options_;
  uint64_t rngState_;

  std::vector<Slot> slots_;
  std::vector<uint32_t> freeSlots_;  // capacity kept >= slots_.size(): release never allocates
  size_t size_ = 0;

  // The pickable endpoints (current set, weight > 0) in update() order, with running weight sums.
  std::vector<uint32_t> candidates_;
  std::vector<uint64_t> cumulativeWeight_;
  size_t cursor_ = 0;  // round-robin position in candidates_
};

}  // namespace weir::proxy::balance
