#include "userspace-proxy/balance/algorithm.h"

#include <gtest/gtest.h>

namespace weir::proxy::balance {
namespace {

TEST(AlgorithmTest, ParsesAnnotationValues) {
  struct Case {
    const char* name;
    std::string_view input;
    std::optional<Algorithm> expected;
  };
  const Case cases[] = {
      {"empty is the default", "", Algorithm::kEwma},
      {"ewma", "ewma", Algorithm::kEwma},
      {"p2c", "p2c", Algorithm::kP2c},
      {"round-robin", "round-robin", Algorithm::kRoundRobin},
      {"case-sensitive", "EWMA", std::nullopt},
      {"underscore spelling", "round_robin", std::nullopt},
      {"surrounding space", " p2c", std::nullopt},
      {"unknown", "least-request", std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parseAlgorithm(c.input), c.expected) << c.name;
  }
}

TEST(AlgorithmTest, NameRoundTrips) {
  for (Algorithm a : {Algorithm::kEwma, Algorithm::kP2c, Algorithm::kRoundRobin}) {
    EXPECT_EQ(parseAlgorithm(algorithmName(a)), a) << algorithmName(a);
  }
}

}  // namespace
}  // namespace weir::proxy::balance
