#pragma once

// The load-balancing algorithms weir-proxy offers for one service's endpoints, named as in the
// balancer annotation: `ewma` (the default, as in Linkerd), `p2c` and `round-robin`.

#include <optional>
#include <string_view>

namespace weir::proxy::balance {

enum class Algorithm {
  kEwma,        // peak-EWMA latency over power-of-two-choices (Linkerd's balancer)
  kP2c,         // power-of-two-choices on in-flight requests only
  kRoundRobin,  // cycle over the endpoints in order
};

// Parses an annotation value. The empty string is the default, kEwma; anything else unknown is
// nullopt (the caller answers it as a config error). Values are case-sensitive.
std::optional<Algorithm> parseAlgorithm(std::string_view value);

// The annotation value naming `algorithm`, for logs and metric labels.
std::string_view algorithmName(Algorithm algorithm);

}  // namespace weir::proxy::balance
