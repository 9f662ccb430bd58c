#include "userspace-proxy/metrics/registry.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "tests/unit/userspace-proxy/metrics/sample_value.h"
#include "userspace-proxy/metrics/render.h"

namespace weir::proxy::metrics {
namespace {

using namespace std::chrono_literals;

Scope inboundScope(std::string authority = "web.emojivoto.svc.cluster.local:80") {
  Scope s;
  s.direction = "inbound";
  s.workload = {{"namespace", "emojivoto"}, {"deployment", "web"}};
  s.authority = std::move(authority);
  s.tls = {{"tls", "true"}, {"client_id", "default.emojivoto.serviceaccount.identity.linkerd"}};
  return s;
}

std::string renderOne(const Registry& r) {
  const Registry* all[] = {&r};
  return render(all);
}

TEST(ClassifyTest, LinkerdDefaultClassifier) {
  struct Case {
    const char* name;
    int status;
    std::optional<int> grpcStatus;
    Classification expected;
  };
  const Case cases[] = {
      {"ok", 200, std::nullopt, Classification::kSuccess},
      {"redirect", 302, std::nullopt, Classification::kSuccess},
      {"client error is success", 404, std::nullopt, Classification::kSuccess},
      {"server error", 500, std::nullopt, Classification::kFailure},
      {"last 5xx", 599, std::nullopt, Classification::kFailure},
      {"grpc ok", 200, 0, Classification::kSuccess},
      {"grpc error on 200", 200, 14, Classification::kFailure},
      {"grpc status decides over 5xx", 503, 0, Classification::kSuccess},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(classify(c.status, c.grpcStatus), c.expected) << c.name;
  }
}

TEST(RegistryTest, SameScopeFindsSameSeries) {
  Registry r;
  HttpSeries* a = r.http(inboundScope());
  EXPECT_EQ(r.http(inboundScope()), a);
  EXPECT_NE(r.http(inboundScope("other:80")), a);
  TcpSeries* src = r.tcp(inboundScope(), Peer::kSrc);
  EXPECT_EQ(r.tcp(inboundScope(), Peer::kSrc), src);
  EXPECT_NE(r.tcp(inboundScope(), Peer::kDst), src);
  Counter* c = r.counter({"weir_proxy_bad_requests_total", "Bad requests."}, {{"status", "400"}});
  EXPECT_EQ(r.counter({"weir_proxy_bad_requests_total", "Bad requests."}, {{"status", "400"}}),
            c);
  EXPECT_NE(r.counter({"weir_proxy_bad_requests_total", "Bad requests."}, {{"status", "431"}}),
            c);
}

TEST(RegistryTest, ValuesPartsCannotCollide) {
  // The same label text split differently between parts is a different series.
  Registry r;
  Scope a = inboundScope();
  a.dst = {{"dst_service", "a\",x=\"b"}};
  Scope b = inboundScope();
  b.dst = {{"dst_service", "a"}, {"x", "b"}};
  EXPECT_NE(r.http(a), r.http(b));
}

TEST(RegistryTest, ResponseValuesFromTheNetworkAreBounded) {
  Registry r;
  HttpSeries* s = r.http(inboundScope("a"));
  s->response(42, std::nullopt, 1ms);   // not a status code: no status_code label
  s->response(200, 99, 1ms);            // unknown grpc-status: UNKNOWN (2)
  s->response(200, -1, 1ms);
  std::string text = renderOne(r);
  const std::string base =
      "direction=\"inbound\",namespace=\"emojivoto\",deployment=\"web\",authority=\"a\","
      "tls=\"true\",client_id=\"default.emojivoto.serviceaccount.identity.linkerd\"";
  EXPECT_EQ(sampleValue(text, "response_total{" + base + ",classification=\"success\"}"), 1);
  EXPECT_EQ(sampleValue(text, "response_total{" + base +
                                  ",status_code=\"200\",classification=\"failure\","
                                  "grpc_status=\"2\"}"),
            2);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_count{" + base + "}"), 1);
}

TEST(RegistryTest, CallerClassificationOverridesDefault) {
  Registry r;
  HttpSeries* s = r.http(inboundScope("a"));
  s->response(404, std::nullopt, Classification::kFailure, 1ms);
  std::string text = renderOne(r);
  EXPECT_NE(text.find("status_code=\"404\",classification=\"failure\"} 1\n"), std::string::npos)
      << text;
}

TEST(LatencyHistogramTest, BucketPlacement) {
  struct Case {
    const char* name;
    std::chrono::nanoseconds latency;
    double le;  // expected bucket bound in ms; 0 for +Inf
  };
  const Case cases[] = {
      {"zero", 0ns, 1},
      {"negative counts as zero", -5ms, 1},
      {"bound is inclusive", 1ms, 1},
      {"just above a bound", 1ms + 1ns, 2},
      {"fraction of a ms is not truncated", 1500us, 2},
      {"5 ms", 5ms, 5},
      {"between 5 and 10", 7ms, 10},
      {"250 ms", 250ms, 300},
      {"1 s", 1s, 1000},
      {"last bound", 50s, 50000},
      {"overflow", 50s + 1ns, 0},
      {"an hour", 3600s, 0},
  };
  const auto& bounds = LatencyHistogram::boundsMs();
  ASSERT_EQ(bounds.size(), 25u);
  for (const auto& c : cases) {
    LatencyHistogram h;
    h.record(c.latency);
    HistogramTotals totals;
    h.addTo(totals);
    ASSERT_EQ(totals.buckets.size(), bounds.size() + 1) << c.name;
    size_t expected = bounds.size();
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (bounds[i] == c.le) {
        expected = i;
      }
    }
    for (size_t i = 0; i < totals.buckets.size(); ++i) {
      EXPECT_EQ(totals.buckets[i], i == expected ? 1u : 0u) << c.name << " bucket " << i;
    }
  }
}

TEST(LatencyHistogramTest, SumInMilliseconds) {
  Registry r;
  HttpSeries* s = r.http(inboundScope("a"));
  s->response(200, std::nullopt, 1500us);
  s->response(200, std::nullopt, 3ms);
  std::string text = renderOne(r);
  const std::string series =
      "{direction=\"inbound\",namespace=\"emojivoto\",deployment=\"web\",authority=\"a\","
      "tls=\"true\",client_id=\"default.emojivoto.serviceaccount.identity.linkerd\","
      "status_code=\"200\"";
  EXPECT_EQ(sampleValue(text, "response_latency_ms_sum" + series + "}"), 4.5);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_count" + series + "}"), 2);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_bucket" + series + ",le=\"1\"}"), 0);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_bucket" + series + ",le=\"2\"}"), 1);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_bucket" + series + ",le=\"3\"}"), 2);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_bucket" + series + ",le=\"+Inf\"}"), 2);
}

TEST(TcpSeriesTest, ClosesByErrnoAndOpenConnections) {
  Registry r;
  Scope scope;
  scope.direction = "outbound";
  scope.workload = {{"namespace", "ns"}, {"pod", "p"}};
  scope.tls = {{"tls", "disabled"}};
  TcpSeries* t = r.tcp(scope, Peer::kDst);
  for (int i = 0; i < 4; ++i) {
    t->open();
  }
  t->close(0, 10ms);
  t->close(ECONNRESET, 20ms);
  t->close(-ECONNRESET, 30ms);  // as an io_uring completion reports it
  std::string text = renderOne(r);
  const std::string base =
      "{direction=\"outbound\",peer=\"dst\",namespace=\"ns\",pod=\"p\",tls=\"disabled\"";
  EXPECT_EQ(sampleValue(text, "tcp_open_total" + base + "}"), 4);
  EXPECT_EQ(sampleValue(text, "tcp_open_connections" + base + "}"), 1);
  EXPECT_EQ(sampleValue(text, "tcp_close_total" + base + ",errno=\"\"}"), 1);
  EXPECT_EQ(sampleValue(text, "tcp_close_total" + base + ",errno=\"ECONNRESET\"}"), 2);
  EXPECT_EQ(sampleValue(text, "tcp_connection_duration_ms_sum" + base + ",errno=\"ECONNRESET\"}"),
            50);
  EXPECT_EQ(
      sampleValue(text, "tcp_connection_duration_ms_bucket" + base + ",errno=\"\",le=\"10\"}"), 1);
}

// Two workers count into their own registries while the admin thread scrapes both; the last
// scrape has every count and no scrape ever goes backwards.
TEST(ConcurrencyTest, WorkersAndScraperLoseNoCounts) {
  constexpr int kPerWorker = 100000;
  Registry registries[2];
  const Registry* all[] = {&registries[0], &registries[1]};
  const std::string labels =
      "direction=\"inbound\",namespace=\"emojivoto\",deployment=\"web\","
      "authority=\"web.emojivoto.svc.cluster.local:80\",tls=\"true\","
      "client_id=\"default.emojivoto.serviceaccount.identity.linkerd\"";
  const std::string requests = "request_total{" + labels + "}";

  std::atomic<bool> scraping{false};
  std::atomic<int> running{2};
  std::vector<std::thread> workers;
  for (Registry& r : registries) {
    workers.emplace_back([&r, &running, &scraping] {
      HttpSeries* http = r.http(inboundScope());
      TcpSeries* tcp = r.tcp(inboundScope(), Peer::kSrc);
      while (!scraping.load()) {
        std::this_thread::yield();
      }
      for (int i = 0; i < kPerWorker; ++i) {
        http->request();
        // A new status code now and then: sub-series created while the scraper reads.
        http->response(i % 1000 == 0 ? 200 + (i / 1000) % 50 : 200, std::nullopt, 1ms);
        tcp->read(3);
      }
      running.fetch_sub(1);
    });
  }
  int scrapes = 0;
  double last = 0;
  std::thread scraper([&] {
    do {
      std::string text = render(all);
      scraping.store(true);  // the workers start once the scraper runs
      double now = sampleValue(text, requests).value_or(0);
      EXPECT_GE(now, last);
      last = now;
      ++scrapes;
    } while (running.load() > 0);
  });
  for (auto& w : workers) {
    w.join();
  }
  scraper.join();

  std::string text = render(all);
  EXPECT_EQ(sampleValue(text, requests), 2.0 * kPerWorker);
  const std::string tcpBase =
      "{direction=\"inbound\",peer=\"src\",namespace=\"emojivoto\",deployment=\"web\","
      "authority=\"web.emojivoto.svc.cluster.local:80\",tls=\"true\","
      "client_id=\"default.emojivoto.serviceaccount.identity.linkerd\"}";
  EXPECT_EQ(sampleValue(text, "tcp_read_bytes_total" + tcpBase), 6.0 * kPerWorker);
  double responses = 0;
  for (int status = 200; status < 250; ++status) {
    std::string series = "response_total{" + labels + ",status_code=\"" +
                         std::to_string(status) + "\",classification=\"success\"}";
    responses += sampleValue(text, series).value_or(0);
  }
  EXPECT_EQ(responses, 2.0 * kPerWorker);
  EXPECT_GT(scrapes, 0);
}

// Two threads sharing one registry (and one series) create the same sub-series concurrently:
// each is created once and no count is lost.
TEST(ConcurrencyTest, ConcurrentSubSeriesCreation) {
  constexpr int kPerThread = 20000;
  Registry r;
  HttpSeries* s = r.http(inboundScope("a"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([s] {
      for (int i = 0; i < kPerThread; ++i) {
        s->response(200 + i % 100, i % 17, 1ms);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  size_t statuses = 0;
  uint64_t total = 0;
  s->forEachStatus([&](const HttpSeries::StatusSeries& byStatus) {
    ++statuses;
    size_t classes = 0;
    byStatus.classes.forEach([&](const HttpSeries::ResponseClass& c) {
      ++classes;
      total += c.total.value();
    });
    EXPECT_EQ(classes, 17u) << byStatus.status;
  });
  EXPECT_EQ(statuses, 100u);
  EXPECT_EQ(total, 2u * kPerThread);
}

}  // namespace
}  // namespace weir::proxy::metrics
