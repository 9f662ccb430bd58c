// weir-proxy's own gRPC client of Destination against the real Destination service of
// weir-control (in-process gRPC server on 127.0.0.1): a first lookup is pending, then resolved
// with the endpoints and the load balancer; published changes arrive as new resolutions and wake
// the proxy; an unknown authority is unknown; a server that goes away and comes back on the
// same port is reconnected to, with the last resolution kept meanwhile.

#include "userspace-proxy/discovery/destination_client.h"

#include <gtest/gtest.h>

#include <atomic>

#include "control/destination/service.h"
#include "tests/unit/control/destination/emojivoto.h"
#include "tests/unit/control/destination/server.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::proxy::discovery {
namespace {

using control::testing::eventually;
using control::testing::kEmojivoto;
using control::testing::loadModel;
using State = Resolution::State;

const std::string kVoting2 = control::testing::workloadDoc(
    "emojivoto", "voting-2", "voting-svc", "voting", "10.0.2.31", "[{name: grpc, port: 8080}]");

// A Destination service on a fixed local port, so that a restarted one is found again.
class Control {
 public:
  explicit Control(control::nodesync::Publisher& publisher) : service_(publisher) {}
  int start(int port) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    return port_;
  }
  void stop() {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
    server_.reset();
  }

 private:
  control::destination::DestinationService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST(DestinationClientTest, ResolvesFollowsChangesAndSurvivesARestartedControlPlane) {
  control::nodesync::Publisher publisher;
  publisher.publish(*loadModel(kEmojivoto));
  Control control(publisher);
  int port = control.start(0);
  ASSERT_NE(port, 0);

  auto created = createResolver(ResolverOptions{.destination = "127.0.0.1:" + std::to_string(port),
                                                .node = "node-a",
                                                .backoffInitial = std::chrono::milliseconds(50),
                                                .backoffMax = std::chrono::milliseconds(200)});
  ASSERT_TRUE(created);
  Resolver& resolver = *created.value();
  std::atomic<int> changes{0};
  resolver.onChange([&] { ++changes; });

  const char* voting = "voting-svc.emojivoto.svc.cluster.local:8080";
  EXPECT_EQ(resolver.lookup(voting)->state, State::kPending);
  auto r = resolver.await(voting, std::chrono::seconds(10));
  ASSERT_EQ(r->state, State::kResolved);
  ASSERT_EQ(r->endpoints.size(), 1u);
  EXPECT_EQ(r->loadBalancer, "ewma");
  EXPECT_EQ(r->fullyQualifiedName, "voting-svc.emojivoto.svc.cluster.local");
  EXPECT_TRUE(eventually([&] { return changes.load() > 0; }));

  // A second endpoint is published: the resolution follows.
  publisher.publish(*loadModel(kEmojivoto + kVoting2));
  EXPECT_TRUE(eventually([&] { return resolver.lookup(voting)->endpoints.size() == 2; }));

  // Not a service: unknown.
  EXPECT_EQ(resolver.await("nope.emojivoto.svc.cluster.local:80", std::chrono::seconds(10))->state,
            State::kUnknown);

  // weir-control goes away: the last resolution stays; back on the same port, the client
  // reconnects and the next change arrives again.
  control.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(resolver.lookup(voting)->endpoints.size(), 2u);
  EXPECT_GE(resolver.stats().streamFailures, 1u);
  ASSERT_EQ(control.start(port), port);
  publisher.publish(*loadModel(kEmojivoto));
  EXPECT_TRUE(eventually([&] { return resolver.lookup(voting)->endpoints.size() == 1; }));
  EXPECT_EQ(resolver.stats().authorities, 2u);
  control.stop();
}

}  // namespace
}  // namespace weir::proxy::discovery
