// The Reflector (LIST, then WATCH with resume, bookmarks, 410 re-list and backoff) against a
// real HTTPS server in this process. No Kubernetes API server can run on these machines, so the
// server replays hand-written responses in the API server's JSON wire format (the list, watch,
// bookmark and 410 Gone behaviour of https://kubernetes.io/docs/reference/using-api/api-concepts/;
// see testdata/README.md) over real TLS, and the tests assert on the requests it received.

#include "control/kube/reflector.h"

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "tests/unit/control/kube/fake_api_server.h"
#include "tests/unit/control/kube/test_pki.h"
#include "tests/unit/control/kube/testdata.h"

namespace weir::control::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeApiServer;
using testing::listReply;
using testing::Reply;
using testing::statusReply;
using testing::watchReply;

constexpr const char* kToken = "eyJhbGciOiJSUzI1NiJ9.reflector-token";

const testing::TestCert& serverCert(const testing::TestCert& ca) {
  static const testing::TestCert kCert = testing::issueLeaf(ca, "kube-apiserver", "IP:127.0.0.1");
  return kCert;
}

const testing::TestCert& ca() {
  static const testing::TestCert kCa = testing::makeCa("weir test cluster CA");
  return kCa;
}

std::string watchTarget(const std::string& rv) {
  return "/api/v1/services?watch=1&resourceVersion=" + rv +
         "&allowWatchBookmarks=true&timeoutSeconds=300";
}

std::string name(const json& object) {
  return object["metadata"]["namespace"].get<std::string>() + "/" +
         object["metadata"]["name"].get<std::string>();
}

// Runs a Reflector on its own thread against `server` and records what it reports.
class Harness {
 public:
  explicit Harness(FakeApiServer& server, uint32_t pageSize = 500,
                   const std::function<void(ReflectorOptions&)>& tweak = {})
      : server_(server) {
    ClusterConfig config;
    config.host = "127.0.0.1";
    config.port = server.port();
    config.caPem = ca().certPem;
    config.token = kToken;
    config.source = "test";
    auto client = HttpsClient::create(config);
    EXPECT_TRUE(client.ok()) << client.error().str();
    client_ = std::move(*client);

    ReflectorOptions options;
    options.path = "/api/v1/services";
    options.pageSize = pageSize;
    options.backoff.jitter = 0.2;
    options.sleep = [this](std::chrono::milliseconds d) {
      std::lock_guard lock(mu_);
      sleeps_.push_back(d);
    };
    if (tweak) {
      tweak(options);
    }
    ReflectorHandlers handlers;
    handlers.onSnapshot = [this](std::vector<json> objects, const std::string& rv) {
      std::lock_guard lock(mu_);
      snapshots_.push_back({std::move(objects), rv});
    };
    handlers.onEvent = [this](WatchEventType type, const json& object) {
      std::lock_guard lock(mu_);
      events_.push_back(std::string(toString(type)) + " " + name(object) + " " +
                        object["metadata"]["resourceVersion"].get<std::string>());
    };
    reflector_ = std::make_unique<Reflector>(*client_, options, handlers);
    done_ = std::async(std::launch::async, [this] { reflector_->run(); });
  }

  // Waits for the server to see `n` requests (the last one is left hanging by the empty
  // script), then stops the reflector and checks that run() returned.
  void stopAfterRequests(size_t n) {
    EXPECT_TRUE(server_.waitForRequests(n)) << "only " << server_.requests().size() << " requests";
    reflector_->stop();
    EXPECT_EQ(done_.wait_for(30s), std::future_status::ready)
        << "run() did not return after stop()";
  }

  ~Harness() {
    reflector_->stop();
    done_.wait();
  }

  struct Snapshot {
    std::vector<json> objects;
    std::string rv;
  };
  std::vector<Snapshot> snapshots() {
    std::lock_guard lock(mu_);
    return snapshots_;
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<std::chrono::milliseconds> sleeps() {
    std::lock_guard lock(mu_);
    return sleeps_;
  }
  Reflector& reflector() { return *reflector_; }

 private:
  FakeApiServer& server_;
  std::unique_ptr<HttpsClient> client_;
  std::unique_ptr<Reflector> reflector_;
  std::future<void> done_;
  std::mutex mu_;
  std::vector<Snapshot> snapshots_;
  std::vector<std::string> events_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

std::vector<std::string> targets(const FakeApiServer& server) {
  std::vector<std::string> out;
  for (const auto& r : server.requests()) {
    out.push_back(r.target);
  }
  return out;
}

TEST(Reflector, ListsThenWatchesAndResumesFromTheBookmark) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list.json"));
  server.push(watchReply({"services_watch.jsonl"}));  // ends: the server's timeoutSeconds ran out
  Harness h(server);
  h.stopAfterRequests(3);

  auto snapshots = h.snapshots();
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(snapshots[0].rv, "1000");
  ASSERT_EQ(snapshots[0].objects.size(), 2u);
  EXPECT_EQ(name(snapshots[0].objects[0]), "emojivoto/emoji-svc");
  EXPECT_EQ(name(snapshots[0].objects[1]), "emojivoto/web-svc");
  // List items come without kind/apiVersion; the reflector gives them the watch shape.
  EXPECT_EQ(snapshots[0].objects[0]["kind"], "Service");
  EXPECT_EQ(snapshots[0].objects[0]["apiVersion"], "v1");
  EXPECT_EQ(snapshots[0].objects[1]["spec"]["clusterIP"], "10.96.77.15");

  EXPECT_EQ(h.events(), (std::vector<std::string>{"ADDED emojivoto/voting-svc 1001",
                                                  "MODIFIED emojivoto/web-svc 1002",
                                                  "DELETED emojivoto/emoji-svc 1003"}));
  // The second watch starts from the BOOKMARK's version, not the last event's.
  EXPECT_EQ(targets(server), (std::vector<std::string>{"/api/v1/services?limit=500",
                                                       watchTarget("1000"), watchTarget("1010")}));
  EXPECT_EQ(h.reflector().resourceVersion(), "1010");
  EXPECT_TRUE(h.sleeps().empty());  // a watch that ends normally is reopened at once
  for (const auto& r : server.requests()) {
    EXPECT_EQ(r.header("authorization"), std::string("Bearer ") + kToken) << r.target;
  }
}

TEST(Reflector, FollowsListPagesThroughTheContinueToken) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list_page1.json"));
  server.push(listReply("services_list_page2.json"));
  Harness h(server, /*pageSize=*/1);
  h.stopAfterRequests(3);

  auto snapshots = h.snapshots();
  ASSERT_EQ(snapshots.size(), 1u);
  ASSERT_EQ(snapshots[0].objects.size(), 2u);
  EXPECT_EQ(name(snapshots[0].objects[0]), "emojivoto/emoji-svc");
  EXPECT_EQ(name(snapshots[0].objects[1]), "emojivoto/web-svc");
  EXPECT_EQ(targets(server),
            (std::vector<std::string>{
                "/api/v1/services?limit=1",
                "/api/v1/services?limit=1&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTAwMCwic3"
                "RhcnQiOiJlbW9qaXZvdG8vZW1vamktc3ZjXHUwMDAwIn0",
                watchTarget("1000")}));
}

TEST(Reflector, AnExpiredContinueTokenRestartsTheList) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list_page1.json"));
  server.push(statusReply(410, "status_410_continue_expired.json"));
  server.push(listReply("services_list_page1.json"));
  server.push(listReply("services_list_page2.json"));
  Harness h(server, /*pageSize=*/1);
  h.stopAfterRequests(5);

  auto snapshots = h.snapshots();
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(snapshots[0].objects.size(), 2u);  // page 1 once, not twice
  auto t = targets(server);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[2], "/api/v1/services?limit=1");
  EXPECT_EQ(t[4], watchTarget("1000"));
}

TEST(Reflector, AnExpiredErrorEventMeansANewList) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list.json"));
  // One event, then the server says the watch fell out of its history.
  Reply watch = watchReply({"services_watch.jsonl"});
  watch.chunks.resize(1);
  for (std::string& line : testing::testdataLines("watch_error_expired.jsonl")) {
    watch.chunks.push_back(line);
  }
  server.push(watch);
  server.push(listReply("services_list_relisted.json"));
  Harness h(server);
  h.stopAfterRequests(4);

  EXPECT_EQ(targets(server),
            (std::vector<std::string>{"/api/v1/services?limit=500", watchTarget("1000"),
                                      "/api/v1/services?limit=500", watchTarget("1300")}));
  auto snapshots = h.snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[1].rv, "1300");
  ASSERT_EQ(snapshots[1].objects.size(), 2u);
  EXPECT_EQ(name(snapshots[1].objects[0]), "emojivoto/voting-svc");
  EXPECT_EQ(snapshots[1].objects[1]["spec"]["ports"][0]["targetPort"], 8081);
  EXPECT_EQ(h.events(), (std::vector<std::string>{"ADDED emojivoto/voting-svc 1001"}));
  EXPECT_TRUE(h.sleeps().empty());
}

TEST(Reflector, AnHttp410OnWatchMeansANewList) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list.json"));
  server.push(statusReply(410, "status_410_expired.json"));
  server.push(listReply("services_list_relisted.json"));
  Harness h(server);
  h.stopAfterRequests(4);

  EXPECT_EQ(targets(server),
            (std::vector<std::string>{"/api/v1/services?limit=500", watchTarget("1000"),
                                      "/api/v1/services?limit=500", watchTarget("1300")}));
  auto snapshots = h.snapshots();
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(snapshots[0].rv, "1000");
  EXPECT_EQ(snapshots[1].rv, "1300");
  EXPECT_EQ(h.sleeps().size(), 1u);  // a 410 before any event is paced by the backoff
}

TEST(Reflector, ADroppedWatchResumesFromTheLastVersionWithGrowingBackoff) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list.json"));
  Reply first = watchReply({"services_watch.jsonl"}, /*drop=*/true);
  first.chunks.resize(2);  // ADDED 1001, MODIFIED 1002, then the connection is cut
  server.push(first);
  server.push(statusReply(500, "status_500.json"));
  server.push(statusReply(500, "status_500.json"));
  Reply last = watchReply({"services_watch.jsonl"});
  last.chunks.erase(last.chunks.begin(), last.chunks.begin() + 2);  // DELETED 1003, BOOKMARK 1010
  server.push(last);
  Harness h(server);
  h.stopAfterRequests(6);

  EXPECT_EQ(targets(server),
            (std::vector<std::string>{"/api/v1/services?limit=500", watchTarget("1000"),
                                      watchTarget("1002"), watchTarget("1002"), watchTarget("1002"),
                                      watchTarget("1010")}));
  EXPECT_EQ(h.snapshots().size(), 1u);  // resumed, never re-listed
  EXPECT_EQ(h.events(), (std::vector<std::string>{"ADDED emojivoto/voting-svc 1001",
                                                  "MODIFIED emojivoto/web-svc 1002",
                                                  "DELETED emojivoto/emoji-svc 1003"}));
  // After the drop: 200 ms, then 400, then 800 (each stretched by up to 20% jitter).
  auto sleeps = h.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  EXPECT_GE(sleeps[0], 200ms);
  EXPECT_LT(sleeps[0], 240ms);
  EXPECT_GE(sleeps[1], 400ms);
  EXPECT_LT(sleeps[1], 480ms);
  EXPECT_GE(sleeps[2], 800ms);
  EXPECT_LT(sleeps[2], 960ms);
}

TEST(Reflector, AWatchClosedAtOnceWithNothingInItIsPaced) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list.json"));
  server.push(watchReply({}));  // 200, then the last chunk straight away
  auto frozenClock = [](ReflectorOptions& o) {
    o.now = [] { return std::chrono::steady_clock::time_point(); };
  };
  Harness h(server, 500, frozenClock);
  h.stopAfterRequests(3);

  EXPECT_EQ(targets(server), (std::vector<std::string>{"/api/v1/services?limit=500",
                                                       watchTarget("1000"), watchTarget("1000")}));
  EXPECT_EQ(h.sleeps().size(), 1u);  // not a busy loop against a misbehaving server
}

TEST(Reflector, AnErrorEventOtherThan410ResumesTheWatch) {
  FakeApiServer server(serverCert(ca()));
  server.push(listReply("services_list.json"));
  Reply watch = watchReply({"services_watch.jsonl"});
  watch.chunks.resize(1);  // ADDED 1001
  watch.chunks.push_back(
      R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)"
      R"("status":"Failure","message":"Internal error occurred: etcdserver: leader changed",)"
      R"("reason":"InternalError","code":500}})"
      "\n");
  server.push(watch);
  Harness h(server);
  h.stopAfterRequests(3);

  EXPECT_EQ(targets(server), (std::vector<std::string>{"/api/v1/services?limit=500",
                                                       watchTarget("1000"), watchTarget("1001")}));
  EXPECT_EQ(h.snapshots().size(), 1u);
  EXPECT_EQ(h.sleeps().size(), 1u);
}

TEST(Reflector, AFailedListIsRetriedWithBackoff) {
  FakeApiServer server(serverCert(ca()));
  server.push(statusReply(500, "status_500.json"));
  server.push(listReply("services_list.json"));
  Harness h(server);
  h.stopAfterRequests(3);

  EXPECT_EQ(targets(server),
            (std::vector<std::string>{"/api/v1/services?limit=500", "/api/v1/services?limit=500",
                                      watchTarget("1000")}));
  ASSERT_EQ(h.sleeps().size(), 1u);
  EXPECT_GE(h.sleeps()[0], 200ms);
  ASSERT_EQ(h.snapshots().size(), 1u);
  EXPECT_EQ(h.snapshots()[0].objects.size(), 2u);
}

TEST(Reflector, AServerFromAnotherCaIsNeverTrusted) {
  testing::TestCert otherCa = testing::makeCa("somebody else's CA");
  FakeApiServer server(testing::issueLeaf(otherCa, "kube-apiserver", "IP:127.0.0.1"));
  server.push(listReply("services_list.json"));
  Harness h(server);
  // Wait until it has been refused a few times, then stop.
  for (int i = 0; i < 3000 && h.sleeps().size() < 3; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(h.sleeps().size(), 3u);
  h.reflector().stop();
  EXPECT_TRUE(server.requests().empty());
  EXPECT_TRUE(h.snapshots().empty());
  EXPECT_GE(server.handshakeFailures(), 1);
}

}  // namespace
}  // namespace weir::control::kube
