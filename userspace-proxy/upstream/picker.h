#pragma once

// How a connection's requests (or the connection itself, when opaque) choose where to go. The
// outbound side balances over a service's endpoints; the inbound side, and an outbound
// destination no one resolves, has exactly one target. Per worker, never shared.
//
//   auto p = picker.pick(now);             // nullopt: nowhere to go (503 / refuse)
//   ... connect: picker.connected(*p) or picker.connectFailed(*p, now) ...
//   picker.finish(*p, latency, now);       // or abandon(*p): every pick ends exactly once

#include <optional>

#include "userspace-proxy/balance/balancer.h"
#include "userspace-proxy/io/timer.h"
#include "userspace-proxy/upstream/target.h"

namespace weir::proxy::upstream {

using io::Clock;

struct Pick {
  TargetPtr target;
  balance::Handle handle;  // meaningful to the picker that made it
  uint32_t epoch = 0;      // which of the picker's balancers made it
};

class Picker {
 public:
  virtual ~Picker() = default;
  virtual std::optional<Pick> pick(Clock::time_point now) = 0;
  virtual void connected(const Pick& p) = 0;
  virtual void connectFailed(const Pick& p, Clock::time_point now) = 0;
  // Ends a request with its latency (request head to response end).
  virtual void finish(const Pick& p, Clock::duration latency, Clock::time_point now) = 0;
  // Ends it without a latency sample.
  virtual void abandon(const Pick& p) = 0;
};

// One target, always.
class FixedPicker final : public Picker {
 public:
  explicit FixedPicker(TargetPtr target) : target_(std::move(target)) {}
  std::optional<Pick> pick(Clock::time_point) override { return Pick{target_, {}}; }
  void connected(const Pick&) override {}
  void connectFailed(const Pick&, Clock::time_point) override {}
  void finish(const Pick&, Clock::duration, Clock::time_point) override {}
  void abandon(const Pick&) override {}

 private:
  TargetPtr target_;
};

}  // namespace weir::proxy::upstream
