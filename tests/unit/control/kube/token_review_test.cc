// Node proxies' service-account tokens reviewed by the API server: the fake server (see
// fake_api_server.h; no API server runs on these machines) answers with hand-written TokenReview
// responses in kube-apiserver's wire format (testdata/README.md), over real HTTPS.

#include "control/kube/token_review.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/control/kube/fake_api_server.h"
#include "tests/unit/control/kube/local_cluster.h"
#include "tests/unit/control/kube/testdata.h"

namespace weir::control::kube {
namespace {

using testing::FakeApiServer;
using testing::Reply;

const std::string kToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6InByb2plY3RlZCJ9.node-a-proxy";

class TokenReviewTest : public ::testing::Test {
 protected:
  TokenReviewTest() : server_(testing::pki().server) {
    auto client = HttpsClient::create(testing::configFor(server_));
    EXPECT_TRUE(client.ok()) << client.error().str();
    client_ = std::move(client.value());
  }
  void answer(const std::string& file, int status = 201) {
    server_.push(Reply{.status = status, .body = testing::readTestdata(file)});
  }
  Result<std::string> review() { return nodeOfToken(*client_, kToken, {}); }

  FakeApiServer server_;
  std::unique_ptr<HttpsClient> client_;
};

TEST_F(TokenReviewTest, ATokenBoundToANodeProxysPodNamesItsNode) {
  answer("tokenreview_node_bound.json");
  auto node = review();
  ASSERT_TRUE(node) << node.error().str();
  EXPECT_EQ(node.value(), "node-a");
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1U);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/apis/authentication.k8s.io/v1/tokenreviews");
  EXPECT_EQ(reqs[0].header("content-type"), "application/json");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer eyJhbGciOiJSUzI1NiJ9.test-token");
  auto body = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(body["kind"], "TokenReview");
  EXPECT_EQ(body["spec"]["token"], kToken);
  EXPECT_EQ(body["spec"]["audiences"], nlohmann::json::array({"weir-control"}));
}

TEST_F(TokenReviewTest, AnOlderServerNamesThePodWhoseNodeIsLookedUp) {
  answer("tokenreview_pod_bound.json");
  answer("pod_weir_proxy.json", 200);
  auto node = review();
  ASSERT_TRUE(node) << node.error().str();
  EXPECT_EQ(node.value(), "node-b");
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 2U);
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].target, "/api/v1/namespaces/linkerd/pods/weir-proxy-q4m9z");
}

TEST_F(TokenReviewTest, APodOfTheSameNameButAnotherUidIsNotTheTokensPod) {
  answer("tokenreview_pod_bound.json");
  std::string pod = testing::readTestdata("pod_weir_proxy.json");
  pod.replace(pod.find("e2a7c9d4"), 8, "00000000");
  server_.push(Reply{.status = 200, .body = pod});
  auto node = review();
  ASSERT_FALSE(node);
  EXPECT_NE(node.error().str().find("not the pod the token is bound to"), std::string::npos)
      << node.error().str();
}

TEST_F(TokenReviewTest, RefusalsSayWhy) {
  struct Case {
    std::string name;
    std::string file;
    int status;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"expired", "tokenreview_unauthenticated.json", 201, "service account token has expired"},
      {"another account", "tokenreview_other_account.json", 201,
       "system:serviceaccount:demo:web's, not the node proxies'"},
      {"review forbidden", "status_500.json", 403, "HTTP 403"},
  };
  for (const Case& c : cases) {
    answer(c.file, c.status);
    auto node = review();
    ASSERT_FALSE(node) << c.name;
    EXPECT_NE(node.error().str().find(c.why), std::string::npos) << c.name << ": " << node.error().str();
  }
}

TEST_F(TokenReviewTest, ATokenForAnotherAudienceIsRefused) {
  std::string body = testing::readTestdata("tokenreview_node_bound.json");
  body.replace(body.rfind("\"weir-control\""), 14, "\"kubernetes\"");
  server_.push(Reply{.status = 201, .body = body});
  auto node = review();
  ASSERT_FALSE(node);
  EXPECT_NE(node.error().str().find("audience"), std::string::npos) << node.error().str();
}

}  // namespace
}  // namespace weir::control::kube
