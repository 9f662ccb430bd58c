// The HTTPS client against a real TLS server in this process (see fake_api_server.h): no API
// server can run on these machines, so the server replays hand-written responses in the API
// server's wire format (testdata/README.md) over real HTTPS with throwaway certificates.

#include "control/kube/https_client.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <thread>

#include "tests/unit/control/kube/fake_api_server.h"
#include "tests/unit/control/kube/local_cluster.h"
#include "tests/unit/control/kube/temp_dir.h"
#include "tests/unit/control/kube/test_pki.h"
#include "tests/unit/control/kube/testdata.h"

namespace weir::control::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeApiServer;
using testing::Reply;

using testing::configFor;
using testing::pki;

std::unique_ptr<HttpsClient> clientFor(ClusterConfig config, HttpsClientOptions options = {}) {
  auto client = HttpsClient::create(std::move(config), options);
  EXPECT_TRUE(client.ok()) << client.error().str();
  return client.ok() ? std::move(*client) : nullptr;
}

TEST(HttpsClient, GetSendsTheBearerTokenAndReadsTheBody) {
  FakeApiServer server(pki().server);
  server.push(testing::listReply("services_list.json"));
  auto client = clientFor(configFor(server));
  auto resp = client->get("/api/v1/services?limit=500");
  ASSERT_TRUE(resp.ok()) << resp.error().str();
  EXPECT_EQ(resp->head.status, 200);
  EXPECT_EQ(resp->body, testing::readTestdata("services_list.json"));
  ASSERT_NE(resp->head.find("audit-id"), nullptr);

  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target, "/api/v1/services?limit=500");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer eyJhbGciOiJSUzI1NiJ9.test-token");
  EXPECT_EQ(reqs[0].header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(reqs[0].header("accept"), "application/json");
}

TEST(HttpsClient, BasePathPrefixesEveryTarget) {
  FakeApiServer server(pki().server);
  ClusterConfig config = configFor(server);
  config.basePath = "/k8s/clusters/c-1";
  auto resp = clientFor(config)->get("/api/v1/namespaces?limit=1",
                                     {.idleTimeout = 50ms});  // the script is empty: it hangs
  EXPECT_FALSE(resp.ok());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/k8s/clusters/c-1/api/v1/namespaces?limit=1");
}

TEST(HttpsClient, TokenFileIsReadForEveryConnection) {
  FakeApiServer server(pki().server);
  server.push(testing::listReply("services_list.json"));
  server.push(testing::listReply("services_list.json"));
  testing::TempDir dir;
  ClusterConfig config = configFor(server);
  config.token.clear();
  config.tokenFile = dir.write("token", "first\n");
  auto client = clientFor(config);
  ASSERT_TRUE(client->get("/api/v1/services").ok());
  dir.write("token", "second");  // a projected token rotated under us
  ASSERT_TRUE(client->get("/api/v1/services").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer first");
  EXPECT_EQ(reqs[1].header("authorization"), "Bearer second");
}

TEST(HttpsClient, StreamsAChunkedBodyLineByLine) {
  FakeApiServer server(pki().server);
  // Events split across chunks and several in one chunk: the decoder must not care.
  std::vector<std::string> events = testing::testdataLines("services_watch.jsonl");
  std::string all;
  for (const auto& e : events) {
    all += e;
  }
  Reply reply;
  reply.chunked = true;
  reply.chunks = {all.substr(0, 10), all.substr(10, 700), all.substr(710)};
  server.push(reply);

  std::vector<std::string> lines;
  LineSink sink = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  auto resp = clientFor(configFor(server))->get("/api/v1/services?watch=1", {.lines = &sink});
  ASSERT_TRUE(resp.ok()) << resp.error().str();
  EXPECT_EQ(resp->head.status, 200);
  EXPECT_TRUE(resp->body.empty());
  ASSERT_EQ(lines.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(lines[i] + "\n", events[i]) << i;
  }
}

TEST(HttpsClient, AnErrorStatusIsBufferedNotStreamed) {
  FakeApiServer server(pki().server);
  server.push(testing::statusReply(410, "status_410_expired.json"));
  int calls = 0;
  LineSink sink = [&](std::string_view) {
    ++calls;
    return true;
  };
  auto resp = clientFor(configFor(server))->get("/api/v1/services?watch=1", {.lines = &sink});
  ASSERT_TRUE(resp.ok()) << resp.error().str();
  EXPECT_EQ(resp->head.status, 410);
  EXPECT_EQ(resp->body, testing::readTestdata("status_410_expired.json"));
  EXPECT_EQ(calls, 0);
}

TEST(HttpsClient, AStreamCutBeforeItsLastChunkIsAnError) {
  FakeApiServer server(pki().server);
  server.push(testing::watchReply({"services_watch.jsonl"}, /*drop=*/true));
  int lines = 0;
  LineSink sink = [&](std::string_view) {
    ++lines;
    return true;
  };
  auto resp = clientFor(configFor(server))->get("/api/v1/services?watch=1", {.lines = &sink});
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().str(),
            "GET /api/v1/services?watch=1: connection closed in the middle of the response body");
  EXPECT_EQ(lines, 4);  // what arrived before the cut was delivered
}

TEST(HttpsClient, RefusesAServerCertificateFromAnotherCa) {
  FakeApiServer server(pki().otherServer);
  server.push(testing::listReply("services_list.json"));
  auto resp = clientFor(configFor(server))->get("/api/v1/services");
  ASSERT_FALSE(resp.ok());
  EXPECT_NE(resp.error().str().find("server certificate rejected: unable to get local issuer "
                                    "certificate"),
            std::string::npos)
      << resp.error().str();
  EXPECT_TRUE(server.requests().empty());  // no token left the client
}

TEST(HttpsClient, RefusesACertificateForAnotherName) {
  FakeApiServer server(pki().server);  // valid for IP 127.0.0.1 only
  ClusterConfig config = configFor(server);
  config.tlsServerName = "kubernetes.default.svc";
  auto resp = clientFor(config)->get("/api/v1/services");
  ASSERT_FALSE(resp.ok());
  EXPECT_NE(resp.error().str().find("server certificate rejected: hostname mismatch"),
            std::string::npos)
      << resp.error().str();
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpsClient, InsecureSkipTlsVerifyAcceptsAnyCertificate) {
  FakeApiServer server(pki().otherServer);
  server.push(testing::listReply("services_list.json"));
  ClusterConfig config = configFor(server);
  config.insecureSkipTlsVerify = true;
  auto resp = clientFor(config)->get("/api/v1/services");
  ASSERT_TRUE(resp.ok()) << resp.error().str();
  EXPECT_EQ(resp->head.status, 200);
}

TEST(HttpsClient, PresentsTheClientCertificate) {
  FakeApiServer server(pki().server, /*clientCaPem=*/pki().ca.certPem);
  server.push(testing::listReply("services_list.json"));
  ClusterConfig config = configFor(server);
  config.token.clear();
  config.clientCertPem = pki().client.certPem;
  config.clientKeyPem = pki().client.keyPem;
  auto resp = clientFor(config)->get("/api/v1/services");
  ASSERT_TRUE(resp.ok()) << resp.error().str();
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].clientCertCommonName,
            "system:serviceaccount:linkerd:weir-control");
  EXPECT_EQ(server.requests()[0].header("authorization"), "");
}

TEST(HttpsClient, AMismatchedClientKeyIsRefusedAtCreate) {
  ClusterConfig config;
  config.source = "test";
  config.caPem = pki().ca.certPem;
  config.clientCertPem = pki().client.certPem;
  config.clientKeyPem = pki().server.keyPem;
  auto client = HttpsClient::create(config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().str().rfind("test: client key does not match the client certificate", 0),
            0u)
      << client.error().str();

  config.caPem = "not a certificate";
  auto noCa = HttpsClient::create(config);
  ASSERT_FALSE(noCa.ok());
  EXPECT_EQ(noCa.error().str(), "test: CA bundle: no PEM certificate found");
}

TEST(HttpsClient, ASilentServerTimesOut) {
  FakeApiServer server(pki().server);  // empty script: a 200 head, then nothing
  LineSink sink = [](std::string_view) { return true; };
  auto resp = clientFor(configFor(server))
                  ->get("/api/v1/services?watch=1", {.idleTimeout = 100ms, .lines = &sink});
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ETIMEDOUT) << resp.error().str();
}

TEST(HttpsClient, TheCancelFdAbandonsARequest) {
  FakeApiServer server(pki().server);
  UniqueFd cancel(::eventfd(0, EFD_CLOEXEC));
  std::thread canceller([&] {
    ASSERT_TRUE(server.waitForRequests(1));
    uint64_t one = 1;
    ASSERT_EQ(::write(cancel.get(), &one, sizeof(one)), 8);
  });
  LineSink sink = [](std::string_view) { return true; };
  auto resp = clientFor(configFor(server))
                  ->get("/api/v1/services?watch=1", {.cancelFd = cancel.get(), .lines = &sink});
  canceller.join();
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ECANCELED) << resp.error().str();
}

TEST(HttpsClient, ConnectionRefusedIsAnError) {
  uint16_t port;
  {
    FakeApiServer gone(pki().server);
    port = gone.port();
  }
  ClusterConfig config;
  config.host = "127.0.0.1";
  config.port = port;
  config.caPem = pki().ca.certPem;
  config.source = "test";
  auto resp = clientFor(config)->get("/api/v1/services");
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ECONNREFUSED) << resp.error().str();
}

}  // namespace
}  // namespace weir::control::kube
