#include "control/policy/backends.h"

#include <charconv>
#include <chrono>

#include "common/config/values.h"
#include "control/destination/authority.h"
#include "control/destination/wire.h"

namespace weir::control::policy {

namespace {

constexpr char kAccrual[] = "balancer.linkerd.io/failure-accrual";
constexpr char kMaxFailures[] = "balancer.linkerd.io/failure-accrual-consecutive-max-failures";
constexpr char kMinPenalty[] = "balancer.linkerd.io/failure-accrual-consecutive-min-penalty";
constexpr char kMaxPenalty[] = "balancer.linkerd.io/failure-accrual-consecutive-max-penalty";
constexpr char kJitter[] = "balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio";

v1::LoadBalancer algorithm(const std::string& annotation) {
  if (annotation == "p2c") {
    return v1::LOAD_BALANCER_P2C;
  }
  if (annotation == "round-robin") {
    return v1::LOAD_BALANCER_ROUND_ROBIN;
  }
  return v1::LOAD_BALANCER_EWMA;
}

// The annotation's number, or `fallback` when absent; false when present but not a number.
template <typename T>
bool readNumber(const config::Service& svc, const char* key, T fallback, T& out) {
  std::string text = destination::annotation(svc.annotations, key);
  if (text.empty()) {
    out = fallback;
    return true;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool readDuration(const config::Service& svc, const char* key, std::chrono::milliseconds fallback,
                  std::chrono::milliseconds& out) {
  std::string text = destination::annotation(svc.annotations, key);
  if (text.empty()) {
    out = fallback;
    return true;
  }
  return !config::parseDuration(text, out);
}

}  // namespace

v1::Backend serviceBackend(const config::Service& svc, uint16_t port, const Options& options) {
  v1::Backend backend;
  *backend.mutable_origin() = destination::resourceOrigin(destination::serviceRef(svc, port));
  v1::Balancer* balancer = backend.mutable_balancer();
  balancer->set_destination_path(destination::serviceFqdn(svc.ns, svc.name, options.clusterDomain) +
                                 ":" + std::to_string(port));
  balancer->set_algorithm(algorithm(svc.mesh.loadBalancer));
  return backend;
}

v1::WeightedBackend invalidBackend(v1::Origin origin, uint32_t weight, const std::string& message) {
  v1::WeightedBackend out;
  *out.mutable_backend()->mutable_origin() = std::move(origin);
  out.set_weight(weight);
  v1::FailureInjector* fail = out.add_filters()->mutable_failure_injector();
  fail->set_status(500);
  fail->set_message(message);
  return out;
}

std::optional<v1::FailureAccrual> failureAccrual(const config::Service& svc) {
  if (destination::annotation(svc.annotations, kAccrual) != "consecutive") {
    return std::nullopt;
  }
  uint32_t maxFailures = 0;
  float jitter = 0;
  std::chrono::milliseconds minPenalty{0};
  std::chrono::milliseconds maxPenalty{0};
  if (!readNumber<uint32_t>(svc, kMaxFailures, 7, maxFailures) ||
      !readNumber<float>(svc, kJitter, 0.5F, jitter) ||
      !readDuration(svc, kMinPenalty, std::chrono::seconds(1), minPenalty) ||
      !readDuration(svc, kMaxPenalty, std::chrono::minutes(1), maxPenalty) ||
      minPenalty > maxPenalty || maxPenalty.count() == 0 || jitter < 0 || jitter > 100) {
    return std::nullopt;
  }
  v1::FailureAccrual accrual;
  auto* consecutive = accrual.mutable_consecutive_failures();
  consecutive->set_max_failures(maxFailures);
  v1::ExponentialBackoff* backoff = consecutive->mutable_backoff();
  *backoff->mutable_min_backoff() = destination::duration(minPenalty);
  *backoff->mutable_max_backoff() = destination::duration(maxPenalty);
  backoff->set_jitter_ratio(jitter);
  return accrual;
}

}  // namespace weir::control::policy
