#pragma once

// Where outbound traffic goes: a service's balancer, one forwarded endpoint, or nowhere (a
// backendRef that names nothing routable), and the circuit breaking of a service's endpoints.

#include <cstdint>
#include <optional>
#include <string>

#include "common/config/model.h"
#include "control/policy/options.h"
#include "weir/v1/policy.pb.h"

namespace weir::control::policy {

// Balances over Destination.Get of "<fqdn>:<port>" with the Service's linkerd.io/load-balancer.
v1::Backend serviceBackend(const config::Service& svc, uint16_t port, const Options& options);

// Requests to it are answered 500 with `message`, as Linkerd answers an invalid backend.
v1::WeightedBackend invalidBackend(v1::Origin origin, uint32_t weight, const std::string& message);

// balancer.linkerd.io/failure-accrual: consecutive, with its -consecutive-max-failures (7),
// -min-penalty (1s), -max-penalty (1m) and -jitter-ratio (0.5). Nothing without the mode, or
// when a setting does not read (Linkerd ignores the whole configuration then).
std::optional<v1::FailureAccrual> failureAccrual(const config::Service& svc);

}  // namespace weir::control::policy
