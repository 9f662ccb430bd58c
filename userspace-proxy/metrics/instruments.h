#pragma once

// The two instruments every proxy series is made of. Both are lock-free and never allocate once
// constructed; they are updated by one io_uring worker and read by the admin thread's scrape.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace weir::proxy::metrics {

// A monotonic count (relaxed atomic: a scrape may see it a few increments late, never torn).
class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// What a scrape sums histograms of several workers into.
struct HistogramTotals {
  std::vector<uint64_t> buckets;  // non-cumulative, one per bound plus the overflow bucket last
  uint64_t sumUs = 0;             // sum of the recorded durations, in microseconds
};

// A duration histogram over Linkerd's bounds in milliseconds (weir::metrics::
// kLinkerdLatencyBucketsMs), used by both response_latency_ms and tcp_connection_duration_ms.
// A duration d lands in the first bucket whose bound b satisfies d <= b ms exactly (Prometheus'
// `le`, computed in nanoseconds: 1.5 ms is counted under le="2", not le="1").
class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(std::chrono::nanoseconds d);  // lock-free; a negative duration counts as 0
  void addTo(HistogramTotals& totals) const;

  // The bounds, in milliseconds, rendered as `le`.
  static const std::vector<double>& boundsMs();

 private:
  static constexpr size_t kBuckets = 26;  // 25 Linkerd bounds + the overflow bucket

  std::atomic<uint64_t> buckets_[kBuckets] = {};
  std::atomic<uint64_t> sumUs_{0};
};

}  // namespace weir::proxy::metrics
