// `weir-control validate` over the seed's documents (every Linkerd example users bring) and over a
// directory with a broken file: one line per object, OK or the error, and the exit status.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "control/app/control.h"

namespace weir::control::app {
namespace {

const std::string kSeed = std::string(WEIR_SOURCE_DIR) + "/tests/unit/common/config/testdata/seed";

bool hasLine(const std::string& text, const std::string& suffix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() >= suffix.size() && line.compare(line.size() - suffix.size(), suffix.size(),
                                                      suffix) == 0) {
      return true;
    }
  }
  return false;
}

TEST(ValidateTest, SeedDocumentsAreOkOrSkipped) {
  std::ostringstream out;
  EXPECT_EQ(validate({kSeed}, out), 0) << out.str();
  std::string text = out.str();
  EXPECT_TRUE(hasLine(text, "01-serviceprofile.yaml:1: ServiceProfile/webapp: OK")) << text;
  EXPECT_TRUE(hasLine(text, "TrafficSplit/webapp-rollout: OK")) << text;
  EXPECT_TRUE(hasLine(text, "Server/api-server: OK")) << text;
  EXPECT_TRUE(hasLine(text, "ServerAuthorization/api-authz: OK")) << text;
  EXPECT_TRUE(hasLine(text, "NetworkAuthentication/cluster-network: OK")) << text;
  EXPECT_TRUE(hasLine(text, "Service/webapp: OK")) << text;
  EXPECT_TRUE(hasLine(text, "Deployment/webapp: not used by weir")) << text;
}

TEST(ValidateTest, ABrokenFileFailsWithItsLocation) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "weir-validate-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "big.yaml") << "apiVersion: v1\nkind: Service\nmetadata:\n  name: big\nspec:\n"
                                     "  clusterIP: 10.96.0.11\n  ports:\n  - port: 70000\n";
  std::ostringstream out;
  EXPECT_EQ(validate({dir.string()}, out), 1);
  EXPECT_TRUE(hasLine(out.str(), "big.yaml:8: Service/big: spec.ports[0].port: must be between 1 "
                                 "and 65535, got 70000"))
      << out.str();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace weir::control::app
