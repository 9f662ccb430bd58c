#pragma once

// Peak-EWMA latency estimate of one endpoint, after tower's PeakEwma (Linkerd's balancer).
//
// A sample above the estimate replaces it at once (the peak), so an endpoint that turns slow is
// avoided immediately; a sample at or below it is blended in with weight 1 - exp(-elapsed/decay),
// elapsed being the time since the previous update, so the estimate recovers over about `decay`.
// Between updates the estimate read by estimateNs() decays toward zero with the same factor, so an
// endpoint that was slow and has been left idle becomes cheap again and is probed (tower does this
// by decaying on every load read). Unlike tower, the first real sample replaces the default RTT
// outright instead of being blended into it.

#include <chrono>

namespace weir::proxy::balance {

class PeakEwma {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  PeakEwma() = default;
  // No sample yet: the estimate is `initial` (the default RTT) as of `now`.
  PeakEwma(std::chrono::nanoseconds initial, TimePoint now);

  // Folds in one round-trip sample taken at `now`.
  void observe(std::chrono::nanoseconds rtt, TimePoint now, std::chrono::nanoseconds decay);

  // The estimate at `now`: the stored value decayed toward zero since the last update.
  double estimateNs(TimePoint now, std::chrono::nanoseconds decay) const;

  // The stored value as of the last update (or the default RTT before any sample).
  double valueNs() const { return ns_; }
  bool sampled() const { return sampled_; }

 private:
  double ns_ = 0;
  TimePoint at_{};
  bool sampled_ = false;
};

}  // namespace weir::proxy::balance
