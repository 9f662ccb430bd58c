// Policy through a real gRPC server and client: the first inbound and outbound messages arrive
// at once, a publish that changes the policy arrives as the whole new policy (and one that
// changes nothing sends nothing), bad requests are refused, and streams end on cancel.

#include <gtest/gtest.h>

#include <string>

#include "control/policy/service.h"
#include "tests/unit/control/destination/emojivoto.h"
#include "tests/unit/control/destination/server.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::control::policy {
namespace {

using testing::eventually;
using testing::kEmojivoto;
using testing::loadModel;

constexpr char kDenyServer[] = R"(---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: web-http, namespace: emojivoto}
spec:
  podSelector: {matchLabels: {app: web-svc}}
  port: http
  proxyProtocol: HTTP/1
)";

class PolicyStreamTest : public ::testing::Test {
 protected:
  PolicyStreamTest() : service_(publisher_), server_(&service_) {
    publisher_.publish(*loadModel(kEmojivoto));
  }

  static v1::InboundPort port(const char* name, uint32_t number) {
    v1::InboundPort req;
    req.mutable_workload()->set_kind("ExternalWorkload");
    req.mutable_workload()->set_namespace_("emojivoto");
    req.mutable_workload()->set_name(name);
    req.set_port(number);
    req.set_node("node-a");
    return req;
  }

  nodesync::Publisher publisher_;
  PolicyService service_;
  testing::InProcessServer server_;
  std::unique_ptr<v1::Policy::Stub> stub_ = v1::Policy::NewStub(server_.channel());
};

TEST_F(PolicyStreamTest, InboundFollowsPublishedServers) {
  grpc::ClientContext context;
  testing::setDeadline(context);
  auto reader = stub_->WatchInbound(&context, port("web-1", 8080));
  v1::InboundServer policy;
  ASSERT_TRUE(reader->Read(&policy));
  EXPECT_EQ(policy.server().default_name(), "all-unauthenticated");
  EXPECT_EQ(policy.authorizations_size(), 1);

  // A Server without authorizations: Linkerd's deny by default.
  publisher_.publish(*loadModel(std::string(kEmojivoto) + kDenyServer));
  ASSERT_TRUE(reader->Read(&policy));
  EXPECT_EQ(policy.server().resource().name(), "web-http");
  EXPECT_EQ(policy.protocol(), v1::PROXY_PROTOCOL_HTTP1);
  EXPECT_EQ(policy.authorizations_size(), 0);

  // The same policy again sends nothing; removing the Server sends the default once more.
  publisher_.publish(*loadModel(std::string(kEmojivoto) + kDenyServer));
  publisher_.publish(*loadModel(kEmojivoto));
  ASSERT_TRUE(reader->Read(&policy));
  EXPECT_EQ(policy.server().default_name(), "all-unauthenticated");
  context.TryCancel();
}

TEST_F(PolicyStreamTest, OutboundFirstMessageAndUpdate) {
  grpc::ClientContext context;
  testing::setDeadline(context);
  v1::OutboundTarget target;
  target.mutable_source_workload()->set_namespace_("emojivoto");
  target.set_authority("voting-svc.emojivoto.svc.cluster.local:8080");
  auto reader = stub_->WatchOutbound(&context, target);
  v1::OutboundPolicy policy;
  ASSERT_TRUE(reader->Read(&policy));
  EXPECT_EQ(policy.protocol(), v1::PROXY_PROTOCOL_OPAQUE);

  // The Service is no longer opaque.
  publisher_.publish(*loadModel(
      testing::replaced(kEmojivoto, "config.linkerd.io/opaque-ports: \"8080\"", "a: b")));
  ASSERT_TRUE(reader->Read(&policy));
  EXPECT_EQ(policy.protocol(), v1::PROXY_PROTOCOL_DETECT);
  context.TryCancel();
}

TEST_F(PolicyStreamTest, BadRequestsAreRefused) {
  v1::InboundServer policy;
  grpc::ClientContext noPort;
  testing::setDeadline(noPort);
  auto inbound = stub_->WatchInbound(&noPort, port("web-1", 0));
  EXPECT_FALSE(inbound->Read(&policy));
  EXPECT_EQ(inbound->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::OutboundPolicy outboundPolicy;
  grpc::ClientContext noTarget;
  testing::setDeadline(noTarget);
  auto outbound = stub_->WatchOutbound(&noTarget, v1::OutboundTarget());
  EXPECT_FALSE(outbound->Read(&outboundPolicy));
  EXPECT_EQ(outbound->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PolicyStreamTest, StreamsEndWhenTheClientCancels) {
  grpc::ClientContext in;
  grpc::ClientContext out;
  testing::setDeadline(in);
  testing::setDeadline(out);
  auto inbound = stub_->WatchInbound(&in, port("web-1", 8080));
  v1::OutboundTarget target;
  target.mutable_addr()->mutable_ip()->set_ipv4(0x0A60000A);  // web-svc's VIP
  target.mutable_addr()->set_port(80);
  auto outbound = stub_->WatchOutbound(&out, target);
  v1::InboundServer inboundPolicy;
  v1::OutboundPolicy outboundPolicy;
  ASSERT_TRUE(inbound->Read(&inboundPolicy));
  ASSERT_TRUE(outbound->Read(&outboundPolicy));
  EXPECT_EQ(service_.activeStreams(), 2u);

  in.TryCancel();
  out.TryCancel();
  EXPECT_TRUE(eventually([&] { return service_.activeStreams() == 0; }));
  EXPECT_EQ(inbound->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(outbound->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace weir::control::policy
