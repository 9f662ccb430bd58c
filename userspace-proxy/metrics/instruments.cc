#include "userspace-proxy/metrics/instruments.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "common/metrics/text_writer.h"

namespace weir::proxy::metrics {

namespace {

constexpr size_t kBounds = 25;

// The bounds in nanoseconds, so a duration is compared exactly (no rounding to milliseconds).
const std::array<uint64_t, kBounds>& boundsNs() {
  static const std::array<uint64_t, kBounds> bounds = [] {
    const auto& ms = weir::metrics::kLinkerdLatencyBucketsMs;
    assert(ms.size() == kBounds);
    std::array<uint64_t, kBounds> ns{};
    for (size_t i = 0; i < kBounds && i < ms.size(); ++i) {
      ns[i] = static_cast<uint64_t>(ms[i] * 1e6);
    }
    return ns;
  }();
  return bounds;
}

}  // namespace

LatencyHistogram::LatencyHistogram() {
  static_assert(kBuckets == kBounds + 1);
  boundsNs();  // computed here, on the cold path, not on the first record()
}

void LatencyHistogram::record(std::chrono::nanoseconds d) {
  uint64_t ns = d.count() > 0 ? static_cast<uint64_t>(d.count()) : 0;
  const auto& bounds = boundsNs();
  size_t i = std::lower_bound(bounds.begin(), bounds.end(), ns) - bounds.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sumUs_.fetch_add(ns / 1000, std::memory_order_relaxed);
}

void LatencyHistogram::addTo(HistogramTotals& totals) const {
  totals.buckets.resize(kBuckets);
  for (size_t i = 0; i < kBuckets; ++i) {
    totals.buckets[i] += buckets_[i].load(std::memory_order_relaxed);
  }
  totals.sumUs += sumUs_.load(std::memory_order_relaxed);
}

const std::vector<double>& LatencyHistogram::boundsMs() {
  return weir::metrics::kLinkerdLatencyBucketsMs;
}

}  // namespace weir::proxy::metrics
