// Destination through a real gRPC server and client: the first message of a stream arrives at
// once, a publish that adds and removes an endpoint arrives as that exact add and remove, an
// unknown authority is answered as Linkerd's API says, profiles follow changes, and a stream
// ends when its client cancels.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "control/destination/service.h"
#include "tests/unit/control/destination/emojivoto.h"
#include "tests/unit/control/destination/server.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::control::destination {
namespace {

using testing::eventually;
using testing::kEmojivoto;
using testing::loadModel;
using testing::textProto;

const std::string kVoting2 = testing::workloadDoc("emojivoto", "voting-2", "voting-svc", "voting",
                                                  "10.0.2.31", "[{name: grpc, port: 8080}]");

class DestinationStreamTest : public ::testing::Test {
 protected:
  DestinationStreamTest() : service_(publisher_), server_(&service_) {
    publisher_.publish(*loadModel(kEmojivoto));
  }

  v1::GetDestination request(const char* path) {
    v1::GetDestination req;
    req.set_scheme("k8s");
    req.set_path(path);
    req.set_node("node-a");
    return req;
  }

  nodesync::Publisher publisher_;
  DestinationService service_;
  testing::InProcessServer server_;
  std::unique_ptr<v1::Destination::Stub> stub_ = v1::Destination::NewStub(server_.channel());
};

TEST_F(DestinationStreamTest, PublishedEndpointChangesArriveAsAddAndRemove) {
  grpc::ClientContext context;
  testing::setDeadline(context);
  auto reader = stub_->Get(&context, request("voting-svc.emojivoto.svc.cluster.local:8080"));
  v1::Update update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_TRUE(update.has_add());
  ASSERT_EQ(update.add().endpoints_size(), 1);
  EXPECT_EQ(update.add().endpoints(0).workload().name(), "voting-1");

  // voting-2 joins and voting-1 leaves in one version: one add, then one remove.
  const std::string next = testing::without(kEmojivoto, "voting-1") + kVoting2;
  publisher_.publish(*loadModel(next));
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_PROTO_EQ(
      textProto<v1::Update>(R"pb(
        add {
          endpoints {
            addr {
              ip { ipv4: 0x0A00021F }
              port: 8080
            }
            weight: 1
            metric_labels { key: "external_workload" value: "voting-2" }
            metric_labels { key: "serviceaccount" value: "voting" }
            tls_identity {
              name: "voting.emojivoto.serviceaccount.identity.linkerd.cluster.local"
              server_name: "voting-2.emojivoto.external.identity.linkerd.cluster.local"
            }
            protocol_hint { protocol: PROTOCOL_OPAQUE }
            workload { kind: "ExternalWorkload" namespace: "emojivoto" name: "voting-2" }
          }
          metric_labels { key: "namespace" value: "emojivoto" }
          metric_labels { key: "service" value: "voting-svc" }
        }
      )pb"),
      update);
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_PROTO_EQ(textProto<v1::Update>("remove { addrs { ip { ipv4: 0x0A00021E } port: 8080 } }"),
                  update);

  // A version that changes nothing for this authority sends nothing; the next real change does.
  publisher_.publish(*loadModel(next));
  publisher_.publish(*loadModel(kEmojivoto));
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_EQ(update.add().endpoints_size(), 1);
  EXPECT_EQ(update.add().endpoints(0).workload().name(), "voting-1");
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_PROTO_EQ(textProto<v1::Update>("remove { addrs { ip { ipv4: 0x0A00021F } port: 8080 } }"),
                  update);
  context.TryCancel();
}

TEST_F(DestinationStreamTest, UnknownAuthorityAndInvalidPath) {
  grpc::ClientContext context;
  testing::setDeadline(context);
  auto reader = stub_->Get(&context, request("nope.emojivoto.svc.cluster.local:80"));
  v1::Update update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_PROTO_EQ(textProto<v1::Update>("no_endpoints { exists: false }"), update);
  context.TryCancel();

  grpc::ClientContext bad;
  testing::setDeadline(bad);
  auto rejected = stub_->Get(&bad, request("web-svc.emojivoto:http"));
  EXPECT_FALSE(rejected->Read(&update));
  EXPECT_EQ(rejected->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DestinationStreamTest, ProfileFollowsPublishedChanges) {
  grpc::ClientContext context;
  testing::setDeadline(context);
  auto reader = stub_->GetProfile(&context, request("web-svc.emojivoto.svc.cluster.local:80"));
  v1::DestinationProfile profile;
  ASSERT_TRUE(reader->Read(&profile));
  EXPECT_EQ(profile.fully_qualified_name(), "web-svc.emojivoto.svc.cluster.local");
  EXPECT_EQ(profile.routes_size(), 0);

  publisher_.publish(*loadModel(std::string(kEmojivoto) + R"(---
apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: {name: web-svc.emojivoto.svc.cluster.local, namespace: emojivoto}
spec:
  routes:
  - name: list
    condition: {method: GET, pathRegex: /api/list}
)"));
  ASSERT_TRUE(reader->Read(&profile));
  ASSERT_EQ(profile.routes_size(), 1);
  EXPECT_EQ(profile.routes(0).metric_labels().at("route"), "list");
  context.TryCancel();
}

TEST_F(DestinationStreamTest, StreamsEndWhenTheClientCancels) {
  grpc::ClientContext get;
  grpc::ClientContext profile;
  testing::setDeadline(get);
  testing::setDeadline(profile);
  auto endpoints = stub_->Get(&get, request("web-svc.emojivoto:80"));
  auto profiles = stub_->GetProfile(&profile, request("web-svc.emojivoto:80"));
  v1::Update update;
  v1::DestinationProfile destinationProfile;
  ASSERT_TRUE(endpoints->Read(&update));
  ASSERT_TRUE(profiles->Read(&destinationProfile));
  EXPECT_EQ(service_.activeStreams(), 2u);

  get.TryCancel();
  profile.TryCancel();
  EXPECT_TRUE(eventually([&] { return service_.activeStreams() == 0; }));
  EXPECT_EQ(endpoints->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(profiles->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace weir::control::destination

namespace weir::control::destination {
namespace {

// Node proxies as NodeSync would report them from the agents' hellos.
class FakeProxies final : public nodesync::NodeProxies {
 public:
  std::optional<std::pair<uint32_t, uint16_t>> proxyInbound(const std::string& node) const override {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(node);
    return it == nodes_.end() ? std::nullopt : std::optional(it->second);
  }
  uint64_t proxiesGeneration() const override { return generation_.load(); }
  void set(const std::string& node, uint32_t ip, uint16_t port) {
    std::lock_guard lock(mu_);
    nodes_[node] = {ip, port};
    ++generation_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::pair<uint32_t, uint16_t>> nodes_;
  std::atomic<uint64_t> generation_{0};
};

TEST(DestinationNodeProxyTest, EndpointsNameTheirNodesProxyOnceItsAgentSaidHello) {
  const std::string yaml =
      testing::workloadDoc("emojivoto", "voting-9", "voting-svc", "voting", "10.0.2.99",
                           "[{name: grpc, port: 8080}]", "{weir.io/node: node-b}") +
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: voting-svc, namespace: emojivoto}\n"
      "spec:\n  clusterIP: 10.96.0.30\n  selector: {app: voting-svc}\n"
      "  ports: [{name: grpc, port: 8080}]\n";
  nodesync::Publisher publisher;
  publisher.publish(*loadModel(yaml));
  FakeProxies proxies;
  DestinationService service(publisher, {}, &proxies);
  testing::InProcessServer server(&service);
  auto stub = v1::Destination::NewStub(server.channel());
  grpc::ClientContext context;
  testing::setDeadline(context);
  v1::GetDestination req;
  req.set_path("10.96.0.30:8080");
  auto reader = stub->Get(&context, req);
  v1::Update update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_EQ(update.add().endpoints_size(), 1);
  EXPECT_EQ(update.add().endpoints(0).node(), "node-b");
  EXPECT_FALSE(update.add().endpoints(0).has_node_proxy()) << "node-b's agent has not said hello";

  // node-b's agent connects with its proxy's inbound address: the endpoint is sent again with it.
  proxies.set("node-b", 0x0A000002, 4143);
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_EQ(update.add().endpoints_size(), 1);
  EXPECT_EQ(update.add().endpoints(0).node_proxy().ip().ipv4(), 0x0A000002u);
  EXPECT_EQ(update.add().endpoints(0).node_proxy().port(), 4143u);
  context.TryCancel();
}

TEST(DestinationNodeProxyTest, SkipInboundPortsAreDialledDirectly) {
  // voting-9 skips its node proxy for 8080 (config.linkerd.io/skip-inbound-ports).
  const std::string yaml =
      testing::workloadDoc("emojivoto", "voting-9", "voting-svc", "voting", "10.0.2.99",
                           "[{name: grpc, port: 8080}]",
                           "{weir.io/node: node-b, config.linkerd.io/skip-inbound-ports: \"8080\"}") +
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: voting-svc, namespace: emojivoto}\n"
      "spec:\n  clusterIP: 10.96.0.30\n  selector: {app: voting-svc}\n"
      "  ports: [{name: grpc, port: 8080}]\n";
  nodesync::Publisher publisher;
  publisher.publish(*loadModel(yaml));
  FakeProxies proxies;
  proxies.set("node-b", 0x0A000002, 4143);
  DestinationService service(publisher, {}, &proxies);
  testing::InProcessServer server(&service);
  auto stub = v1::Destination::NewStub(server.channel());
  grpc::ClientContext context;
  testing::setDeadline(context);
  v1::GetDestination req;
  req.set_path("10.96.0.30:8080");
  auto reader = stub->Get(&context, req);
  v1::Update update;
  ASSERT_TRUE(reader->Read(&update));
  ASSERT_EQ(update.add().endpoints_size(), 1);
  EXPECT_EQ(update.add().endpoints(0).node(), "node-b");
  EXPECT_FALSE(update.add().endpoints(0).has_node_proxy());
  context.TryCancel();
}

}  // namespace
}  // namespace weir::control::destination
