#include "userspace-proxy/balance/peak_ewma.h"

#include <cmath>

namespace weir::proxy::balance {
namespace {

// exp(-elapsed/decay): 1 for no elapsed time (or a clock that went backwards), 0 for no memory.
double decayFactor(std::chrono::nanoseconds elapsed, std::chrono::nanoseconds decay) {
  if (elapsed.count() <= 0) {
    return 1.0;
  }
  if (decay.count() <= 0) {
    return 0.0;
  }
  return std::exp(-static_cast<double>(elapsed.count()) / static_cast<double>(decay.count()));
}

}  // namespace

PeakEwma::PeakEwma(std::chrono::nanoseconds initial, TimePoint now)
    : ns_(static_cast<double>(initial.count())), at_(now) {}

void PeakEwma::observe(std::chrono::nanoseconds rtt, TimePoint now,
                       std::chrono::nanoseconds decay) {
  const double sample = static_cast<double>(rtt.count() > 0 ? rtt.count() : 0);
  if (!sampled_ || sample > ns_) {
    ns_ = sample;
  } else {
    const double keep = decayFactor(now - at_, decay);
    ns_ = ns_ * keep + sample * (1.0 - keep);
  }
  sampled_ = true;
  if (now > at_) {
    at_ = now;
  }
}

double PeakEwma::estimateNs(TimePoint now, std::chrono::nanoseconds decay) const {
  return ns_ * decayFactor(now - at_, decay);
}

}  // namespace weir::proxy::balance
