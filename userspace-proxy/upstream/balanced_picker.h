#pragma once

// Picks among a service's endpoints with the algorithm its Service asks for
// (linkerd.io/load-balancer), over the targets a Resolution lists. update() takes each new
// resolution of the authority: endpoints that stay keep their latency estimates and in-flight
// counts, removed ones drain.

#include <memory>
#include <unordered_map>
#include <vector>

#include "userspace-proxy/balance/balancer.h"
#include "userspace-proxy/discovery/resolution.h"
#include "userspace-proxy/upstream/picker.h"

namespace weir::proxy::upstream {

struct PickerOptions {
  std::string node;  // this node's name: its endpoints are dialled directly
  uint64_t seed = 1;
};

class BalancedPicker final : public Picker {
 public:
  BalancedPicker(const discovery::Resolution& resolution, const PickerOptions& options,
                 Clock::time_point now);

  // A newer resolution of the same authority. A different algorithm starts a new balancer.
  void update(const discovery::Resolution& resolution, Clock::time_point now);
  size_t size() const { return balancer_->size(); }

  std::optional<Pick> pick(Clock::time_point now) override;
  void connected(const Pick& p) override;
  void connectFailed(const Pick& p, Clock::time_point now) override;
  void finish(const Pick& p, Clock::duration latency, Clock::time_point now) override;
  void abandon(const Pick& p) override;

  // The target of one resolution endpoint: direct for this node's endpoints (and those with no
  // proxy on their node), through the node proxy for the others.
  static TargetPtr targetOf(const discovery::Endpoint& e, const std::string& localNode);

 private:
  PickerOptions options_;
  balance::Algorithm algorithm_;
  std::unique_ptr<balance::Balancer> balancer_;
  uint32_t epoch_ = 0;  // bumped with every new balancer: older picks are ignored
  // Targets by endpoint address, current and draining.
  std::unordered_map<io::Address, TargetPtr, io::AddressHash> targets_;
};

}  // namespace weir::proxy::upstream
