#include "userspace-proxy/balance/algorithm.h"

namespace weir::proxy::balance {

std::optional<Algorithm> parseAlgorithm(std::string_view value) {
  if (value.empty() || value == "ewma") {
    return Algorithm::kEwma;
  }
  if (value == "p2c") {
    return Algorithm::kP2c;
  }
  if (value == "round-robin") {
    return Algorithm::kRoundRobin;
  }
  return std::nullopt;
}

std::string_view algorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kEwma:
      return "ewma";
    case Algorithm::kP2c:
      return "p2c";
    case Algorithm::kRoundRobin:
      return "round-robin";
  }
  return "ewma";
}

}  // namespace weir::proxy::balance
