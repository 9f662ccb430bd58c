// The weir.v1 API's shape and build: NodeSync messages survive serialization, and real gRPC
// streams (an in-process server on 127.0.0.1, port 0) deliver their first message while the
// stream is still open and carry a NodeSync hello -> snapshot -> ack -> diff exchange.

#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weir/v1/destination.grpc.pb.h"
#include "weir/v1/nodesync.grpc.pb.h"

namespace weir::v1 {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kEpoch[] = "epoch-test-1";
constexpr char kNode[] = "node-a";
// Failure guard for every RPC: a stream that does not deliver by then has failed. Not a timing
// assertion: a correct run finishes in milliseconds.
constexpr auto kDeadline = std::chrono::seconds(10);

IpAddress ipv4(uint32_t value) {
  IpAddress ip;
  ip.set_ipv4(value);
  return ip;
}

ServicePort webPort() {
  ServicePort sp;
  sp.set_id("demo/web:80");
  sp.mutable_service()->set_kind("Service");
  sp.mutable_service()->set_namespace_("demo");
  sp.mutable_service()->set_name("web");
  sp.mutable_service()->set_section("http");
  sp.mutable_service()->set_port(80);
  *sp.add_vips() = ipv4(0x0A60000A);  // 10.96.0.10
  sp.set_port(80);
  sp.set_datapath(DATAPATH_FAST_PATH);
  return sp;
}

ServiceEndpoint webEndpoint(uint32_t ip, uint32_t weight, const std::string& node) {
  ServiceEndpoint ep;
  ep.set_id("demo/web:80@" + std::to_string(ip) + ":8080");
  ep.set_service_port_id("demo/web:80");
  *ep.mutable_address() = ipv4(ip);
  ep.set_port(8080);
  ep.set_weight(weight);
  ep.set_node(node);
  ep.set_workload_id("ExternalWorkload/demo/web-" + std::to_string(ip & 0xff));
  return ep;
}

Snapshot sampleSnapshot(uint64_t version) {
  Snapshot snap;
  snap.set_epoch(kEpoch);
  snap.set_version(version);
  NodeState* state = snap.mutable_state();
  state->mutable_settings()->set_default_verdict(L4_VERDICT_ALLOW);
  *state->add_service_ports() = webPort();
  *state->add_endpoints() = webEndpoint(0x0A000105, 1, kNode);     // 10.0.1.5, local
  *state->add_endpoints() = webEndpoint(0x0A000206, 3, "node-b");  // 10.0.2.6, remote

  Workload* w = state->add_workloads();
  w->set_id("ExternalWorkload/demo/web-5");
  w->mutable_ref()->set_kind("ExternalWorkload");
  w->mutable_ref()->set_namespace_("demo");
  w->mutable_ref()->set_name("web-5");
  w->set_cgroup("demo/web-5");
  w->set_identity("web.demo.serviceaccount.identity.linkerd.cluster.local");
  *w->add_ips() = ipv4(0x0A000105);
  (*w->mutable_metric_labels())["namespace"] = "demo";
  (*w->mutable_metric_labels())["deployment"] = "web";

  L4Authorization* a = state->add_authorizations();
  a->set_id(
      "ExternalWorkload/demo/web-5:8080<-api.demo.serviceaccount.identity.linkerd.cluster.local");
  a->set_workload_id("ExternalWorkload/demo/web-5");
  a->set_port(8080);
  a->set_client_identity("api.demo.serviceaccount.identity.linkerd.cluster.local");
  a->set_verdict(L4_VERDICT_ALLOW);
  L4Authorization* fallback = state->add_authorizations();
  fallback->set_id("ExternalWorkload/demo/web-5:8080<-");
  fallback->set_workload_id("ExternalWorkload/demo/web-5");
  fallback->set_port(8080);
  fallback->set_verdict(L4_VERDICT_DENY);
  return snap;
}

// One endpoint's weight changes, the remote one goes away.
Diff sampleDiff(uint64_t from, uint64_t to) {
  Diff diff;
  diff.set_epoch(kEpoch);
  diff.set_from_version(from);
  diff.set_version(to);
  *diff.mutable_upserts()->add_endpoints() = webEndpoint(0x0A000105, 5, kNode);
  diff.mutable_deletes()->add_endpoints(webEndpoint(0x0A000206, 3, "node-b").id());
  return diff;
}

template <typename M>
M roundTrip(const M& in) {
  std::string wire;
  EXPECT_TRUE(in.SerializeToString(&wire));
  M out;
  EXPECT_TRUE(out.ParseFromString(wire));
  return out;
}

TEST(NodeSyncMessages, SnapshotRoundTrips) {
  NodeSyncServer in;
  *in.mutable_snapshot() = sampleSnapshot(7);
  NodeSyncServer out = roundTrip(in);

  EXPECT_TRUE(MessageDifferencer::Equals(in, out)) << out.DebugString();
  ASSERT_EQ(out.msg_case(), NodeSyncServer::kSnapshot);
  const NodeState& state = out.snapshot().state();
  EXPECT_EQ(out.snapshot().version(), 7u);
  ASSERT_EQ(state.service_ports_size(), 1);
  EXPECT_EQ(state.service_ports(0).vips(0).ipv4(), 0x0A60000Au);
  EXPECT_EQ(state.service_ports(0).datapath(), DATAPATH_FAST_PATH);
  ASSERT_EQ(state.endpoints_size(), 2);
  EXPECT_EQ(state.endpoints(1).node(), "node-b");
  EXPECT_EQ(state.endpoints(1).weight(), 3u);
  ASSERT_EQ(state.workloads_size(), 1);
  EXPECT_EQ(state.workloads(0).placement_case(), Workload::kCgroup);
  EXPECT_EQ(state.workloads(0).metric_labels().at("deployment"), "web");
  ASSERT_EQ(state.authorizations_size(), 2);
  EXPECT_EQ(state.authorizations(1).client_identity(), "");
  EXPECT_EQ(state.authorizations(1).verdict(), L4_VERDICT_DENY);
}

TEST(NodeSyncMessages, DiffRoundTripsAndKeepsUnsetSettingsUnset) {
  NodeSyncServer in;
  *in.mutable_diff() = sampleDiff(7, 8);
  NodeSyncServer out = roundTrip(in);

  EXPECT_TRUE(MessageDifferencer::Equals(in, out)) << out.DebugString();
  ASSERT_EQ(out.msg_case(), NodeSyncServer::kDiff);
  const Diff& diff = out.diff();
  EXPECT_EQ(diff.from_version(), 7u);
  EXPECT_EQ(diff.version(), 8u);
  // "settings unset" means "unchanged", so presence must survive the wire.
  EXPECT_FALSE(diff.upserts().has_settings());
  ASSERT_EQ(diff.upserts().endpoints_size(), 1);
  EXPECT_EQ(diff.upserts().endpoints(0).weight(), 5u);
  ASSERT_EQ(diff.deletes().endpoints_size(), 1);
  EXPECT_EQ(diff.deletes().endpoints(0), webEndpoint(0x0A000206, 3, "node-b").id());
}

TEST(NodeSyncMessages, UnsetVerdictsNeverBypassPolicy) {
  EXPECT_EQ(ServicePort().datapath(), DATAPATH_PROXY);
  EXPECT_EQ(L4Authorization().verdict(), L4_VERDICT_PROXY);
  EXPECT_EQ(NodeSettings().default_verdict(), L4_VERDICT_PROXY);
}

TEST(DestinationMessages, ProfileRoundTrips) {
  DestinationProfile in;
  in.set_fully_qualified_name("web.demo.svc.cluster.local");
  ProfileRoute* route = in.add_routes();
  RequestMatch* all = route->mutable_condition();
  all->mutable_all()->add_matches()->set_path_regex("/api/users/[^/]+");
  all->mutable_all()->add_matches()->mutable_not_()->mutable_method()->set_registered(
      HttpMethod::DELETE);
  ResponseClass* failures = route->add_response_classes();
  failures->mutable_condition()->mutable_status()->set_min(500);
  failures->mutable_condition()->mutable_status()->set_max(599);
  failures->set_is_failure(true);
  route->set_is_retryable(true);
  route->mutable_timeout()->set_seconds(30);
  in.mutable_retry_budget()->set_retry_ratio(0.2f);
  in.mutable_retry_budget()->set_min_retries_per_second(10);
  in.mutable_retry_budget()->mutable_ttl()->set_seconds(10);
  WeightedDst* canary = in.add_dst_overrides();
  canary->set_authority("web-canary.demo.svc.cluster.local:80");
  canary->set_weight(100);  // 100m

  DestinationProfile out = roundTrip(in);
  EXPECT_TRUE(MessageDifferencer::Equals(in, out)) << out.DebugString();
  const RequestMatch& second = out.routes(0).condition().all().matches(1);
  ASSERT_EQ(second.match_case(), RequestMatch::kNot);
  EXPECT_EQ(second.not_().method().registered(), HttpMethod::DELETE);
}

// ---- in-process gRPC services ----

// Sends every subscriber one endpoint at once, then holds the stream open until the client goes.
// A client that only saw the first message at the end of the stream would time out instead.
class TestDestination final : public Destination::Service {
 public:
  grpc::Status Get(grpc::ServerContext* ctx, const GetDestination* req,
                   grpc::ServerWriter<Update>* writer) override {
    if (req->path().empty()) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "path is required"};
    }
    Update update;
    Endpoint* ep = update.mutable_add()->add_endpoints();
    *ep->mutable_addr()->mutable_ip() = ipv4(0x0A000105);
    ep->mutable_addr()->set_port(8080);
    ep->set_weight(1);
    ep->mutable_protocol_hint()->set_protocol(ProtocolHint::PROTOCOL_HTTP2);
    if (!writer->Write(update)) {
      return {grpc::StatusCode::UNAVAILABLE, "client went away"};
    }
    for (int i = 0; i < 3000 && !ctx->IsCancelled(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return grpc::Status::OK;
  }
};

// The NodeSync protocol for a fixed history: version 1 is sampleSnapshot, version 2 is
// sampleDiff(1, 2). Resumes with an empty Diff when the agent already has version 2.
class TestNodeSync final : public NodeSync::Service {
 public:
  static constexpr uint64_t kCurrent = 2;

  grpc::Status Sync(grpc::ServerContext*,
                    grpc::ServerReaderWriter<NodeSyncServer, NodeSyncClient>* stream) override {
    NodeSyncClient in;
    if (!stream->Read(&in) || in.msg_case() != NodeSyncClient::kHello) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "the first message must be hello"};
    }
    const Hello& hello = in.hello();
    record([&](Log& log) { log.hellos.push_back(hello); });

    NodeSyncServer out;
    if (hello.epoch() == kEpoch && hello.applied_version() == kCurrent) {
      Diff* resume = out.mutable_diff();
      resume->set_epoch(kEpoch);
      resume->set_from_version(kCurrent);
      resume->set_version(kCurrent);
    } else {
      *out.mutable_snapshot() = sampleSnapshot(1);
    }
    if (!stream->Write(out)) {
      return {grpc::StatusCode::UNAVAILABLE, "agent went away"};
    }

    while (stream->Read(&in)) {
      if (in.msg_case() != NodeSyncClient::kAck) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "expected ack"};
      }
      uint64_t acked = in.ack().version();
      record([&](Log& log) { log.acks.push_back(acked); });
      if (acked == 1) {
        NodeSyncServer next;
        *next.mutable_diff() = sampleDiff(1, kCurrent);
        if (!stream->Write(next)) {
          return {grpc::StatusCode::UNAVAILABLE, "agent went away"};
        }
      }
    }
    return grpc::Status::OK;  // the agent closed its side
  }

  struct Log {
    std::vector<Hello> hellos;
    std::vector<uint64_t> acks;
  };

  Log log() {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  template <typename F>
  void record(F f) {
    std::lock_guard lock(mu_);
    f(log_);
  }

  std::mutex mu_;
  Log log_;
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&destination_);
    builder.RegisterService(&nodeSync_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    }
  }

  static void withDeadline(grpc::ClientContext* ctx) {
    ctx->set_deadline(std::chrono::system_clock::now() + kDeadline);
  }

  static NodeSyncClient helloMsg(const std::string& epoch, uint64_t applied) {
    NodeSyncClient msg;
    Hello* hello = msg.mutable_hello();
    hello->set_node(kNode);
    hello->set_agent_version("test");
    hello->set_epoch(epoch);
    hello->set_applied_version(applied);
    return msg;
  }

  static NodeSyncClient ackMsg(uint64_t version) {
    NodeSyncClient msg;
    msg.mutable_ack()->set_epoch(kEpoch);
    msg.mutable_ack()->set_version(version);
    return msg;
  }

  int port_ = 0;
  TestDestination destination_;
  TestNodeSync nodeSync_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ApiServerTest, DestinationGetDeliversFirstUpdateWhileStreamIsOpen) {
  auto stub = Destination::NewStub(channel_);
  grpc::ClientContext ctx;
  withDeadline(&ctx);
  GetDestination req;
  req.set_scheme("k8s");
  req.set_path("web.demo.svc.cluster.local:80");
  auto reader = stub->Get(&ctx, req);

  Update update;
  ASSERT_TRUE(reader->Read(&update)) << "no first update before the deadline";
  ASSERT_EQ(update.update_case(), Update::kAdd);
  ASSERT_EQ(update.add().endpoints_size(), 1);
  EXPECT_EQ(update.add().endpoints(0).addr().port(), 8080u);
  EXPECT_EQ(update.add().endpoints(0).protocol_hint().protocol(), ProtocolHint::PROTOCOL_HTTP2);

  ctx.TryCancel();  // the server is still holding the stream open
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ApiServerTest, NodeSyncHelloSnapshotAckDiff) {
  auto stub = NodeSync::NewStub(channel_);
  grpc::ClientContext ctx;
  withDeadline(&ctx);
  auto stream = stub->Sync(&ctx);

  ASSERT_TRUE(stream->Write(helloMsg("", 0)));
  NodeSyncServer msg;
  ASSERT_TRUE(stream->Read(&msg)) << "no snapshot before the deadline";
  ASSERT_EQ(msg.msg_case(), NodeSyncServer::kSnapshot);
  EXPECT_EQ(msg.snapshot().epoch(), kEpoch);
  EXPECT_EQ(msg.snapshot().version(), 1u);
  EXPECT_EQ(msg.snapshot().state().endpoints_size(), 2);

  ASSERT_TRUE(stream->Write(ackMsg(1)));
  ASSERT_TRUE(stream->Read(&msg)) << "no diff after the ack";
  ASSERT_EQ(msg.msg_case(), NodeSyncServer::kDiff);
  EXPECT_EQ(msg.diff().from_version(), 1u);
  EXPECT_EQ(msg.diff().version(), 2u);
  EXPECT_EQ(msg.diff().deletes().endpoints_size(), 1);

  ASSERT_TRUE(stream->Write(ackMsg(2)));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_FALSE(stream->Read(&msg));  // the server ends the stream after the agent's side closes
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();

  TestNodeSync::Log log = nodeSync_.log();
  ASSERT_EQ(log.hellos.size(), 1u);
  EXPECT_EQ(log.hellos[0].node(), kNode);
  EXPECT_EQ(log.acks, (std::vector<uint64_t>{1, 2}));
}

TEST_F(ApiServerTest, NodeSyncResumesWithEmptyDiff) {
  auto stub = NodeSync::NewStub(channel_);
  grpc::ClientContext ctx;
  withDeadline(&ctx);
  auto stream = stub->Sync(&ctx);

  ASSERT_TRUE(stream->Write(helloMsg(kEpoch, TestNodeSync::kCurrent)));
  NodeSyncServer msg;
  ASSERT_TRUE(stream->Read(&msg)) << "no first message on resume";
  ASSERT_EQ(msg.msg_case(), NodeSyncServer::kDiff);
  EXPECT_EQ(msg.diff().from_version(), TestNodeSync::kCurrent);
  EXPECT_EQ(msg.diff().version(), TestNodeSync::kCurrent);
  EXPECT_EQ(msg.diff().upserts().ByteSizeLong(), 0u);

  ASSERT_TRUE(stream->WritesDone());
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ApiServerTest, NodeSyncRejectsStreamWithoutHello) {
  auto stub = NodeSync::NewStub(channel_);
  grpc::ClientContext ctx;
  withDeadline(&ctx);
  auto stream = stub->Sync(&ctx);

  ASSERT_TRUE(stream->Write(ackMsg(1)));
  ASSERT_TRUE(stream->WritesDone());
  NodeSyncServer msg;
  EXPECT_FALSE(stream->Read(&msg));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace weir::v1
