#include "userspace-proxy/metrics/render.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "tests/unit/userspace-proxy/metrics/sample_value.h"

namespace weir::proxy::metrics {
namespace {

using namespace std::chrono_literals;

const char kFamilyHeaders[] =
    "# HELP request_total Total count of HTTP requests.\n"
    "# TYPE request_total counter\n"
    "# HELP response_total Total count of HTTP responses.\n"
    "# TYPE response_total counter\n"
    "# HELP response_latency_ms Elapsed times between a request's headers being received and "
    "the first data of its response (its end, when it has no data).\n"
    "# TYPE response_latency_ms histogram\n"
    "# HELP tcp_open_total Total count of opened connections.\n"
    "# TYPE tcp_open_total counter\n"
    "# HELP tcp_close_total Total count of closed connections.\n"
    "# TYPE tcp_close_total counter\n"
    "# HELP tcp_open_connections Number of currently-open connections.\n"
    "# TYPE tcp_open_connections gauge\n"
    "# HELP tcp_read_bytes_total Total count of bytes read from peers.\n"
    "# TYPE tcp_read_bytes_total counter\n"
    "# HELP tcp_write_bytes_total Total count of bytes written to peers.\n"
    "# TYPE tcp_write_bytes_total counter\n"
    "# HELP tcp_connection_duration_ms Connection lifetimes.\n"
    "# TYPE tcp_connection_duration_ms histogram\n";

Scope outboundScope(std::string authority) {
  Scope s;
  s.direction = "outbound";
  s.workload = {{"namespace", "emojivoto"}, {"deployment", "web"}};
  s.authority = std::move(authority);
  s.dst = {{"dst_namespace", "emojivoto"}, {"dst_service", "emoji-svc"}};
  s.tls = {{"tls", "true"}, {"server_id", "emoji.emojivoto"}};
  return s;
}

std::string renderAll(std::initializer_list<const Registry*> registries) {
  std::vector<const Registry*> all(registries);
  return render(all);
}

TEST(RenderTest, EmptyRegistriesDeclareEveryFamily) {
  Registry a;
  Registry b;
  EXPECT_EQ(renderAll({&a, &b}), kFamilyHeaders);
  EXPECT_EQ(renderAll({}), kFamilyHeaders);
}

// The whole exposition of a small scenario: one gRPC call that succeeded and one HTTP call that
// failed on an outbound series, and one TCP connection to the destination.
TEST(RenderTest, GoldenScenario) {
  Registry r;
  Scope scope;
  scope.direction = "outbound";
  scope.workload = {{"namespace", "ns"}};
  scope.authority = "svc:80";
  scope.tls = {{"tls", "no_identity"}, {"no_tls_reason", "not_provided_by_service_discovery"}};
  HttpSeries* http = r.http(scope);
  http->request();
  http->request();
  http->response(200, 0, 1500us);
  http->response(503, std::nullopt, 7s);
  scope.authority.clear();  // TCP series here carry no authority
  TcpSeries* tcp = r.tcp(scope, Peer::kDst);
  tcp->open();
  tcp->read(10);
  tcp->write(20);
  tcp->close(0, 250ms);

  const std::string base =
      "direction=\"outbound\",namespace=\"ns\",authority=\"svc:80\",tls=\"no_identity\","
      "no_tls_reason=\"not_provided_by_service_discovery\"";
  const std::string tcpBase =
      "direction=\"outbound\",peer=\"dst\",namespace=\"ns\",tls=\"no_identity\","
      "no_tls_reason=\"not_provided_by_service_discovery\"";
  // A histogram with one sample: 0 below the sample's bucket, 1 from it on.
  auto histogram = [](const std::string& name, const std::string& labels, double firstLe,
                      const std::string& sum) {
    std::string out;
    for (double le : {1., 2., 3., 4., 5., 10., 20., 30., 40., 50., 100., 200., 300., 400., 500.,
                      1000., 2000., 3000., 4000., 5000., 10000., 20000., 30000., 40000.,
                      50000.}) {
      out += name + "_bucket{" + labels + ",le=\"" + std::to_string(static_cast<int>(le)) +
             "\"} " + (le >= firstLe ? "1" : "0") + "\n";
    }
    out += name + "_bucket{" + labels + ",le=\"+Inf\"} 1\n";
    out += name + "_sum{" + labels + "} " + sum + "\n";
    out += name + "_count{" + labels + "} 1\n";
    return out;
  };
  const std::string expected =
      "# HELP request_total Total count of HTTP requests.\n"
      "# TYPE request_total counter\n"
      "request_total{" + base + "} 2\n"
      "# HELP response_total Total count of HTTP responses.\n"
      "# TYPE response_total counter\n"
      "response_total{" + base + ",status_code=\"200\",classification=\"success\","
      "grpc_status=\"0\"} 1\n"
      "response_total{" + base + ",status_code=\"503\",classification=\"failure\"} 1\n"
      "# HELP response_latency_ms Elapsed times between a request's headers being received and "
      "the first data of its response (its end, when it has no data).\n"
      "# TYPE response_latency_ms histogram\n" +
      histogram("response_latency_ms", base + ",status_code=\"200\"", 2, "1.5") +
      histogram("response_latency_ms", base + ",status_code=\"503\"", 10000, "7000") +
      "# HELP tcp_open_total Total count of opened connections.\n"
      "# TYPE tcp_open_total counter\n"
      "tcp_open_total{" + tcpBase + "} 1\n"
      "# HELP tcp_close_total Total count of closed connections.\n"
      "# TYPE tcp_close_total counter\n"
      "tcp_close_total{" + tcpBase + ",errno=\"\"} 1\n"
      "# HELP tcp_open_connections Number of currently-open connections.\n"
      "# TYPE tcp_open_connections gauge\n"
      "tcp_open_connections{" + tcpBase + "} 0\n"
      "# HELP tcp_read_bytes_total Total count of bytes read from peers.\n"
      "# TYPE tcp_read_bytes_total counter\n"
      "tcp_read_bytes_total{" + tcpBase + "} 10\n"
      "# HELP tcp_write_bytes_total Total count of bytes written to peers.\n"
      "# TYPE tcp_write_bytes_total counter\n"
      "tcp_write_bytes_total{" + tcpBase + "} 20\n"
      "# HELP tcp_connection_duration_ms Connection lifetimes.\n"
      "# TYPE tcp_connection_duration_ms histogram\n" +
      histogram("tcp_connection_duration_ms", tcpBase + ",errno=\"\"", 300, "250");
  EXPECT_EQ(renderAll({&r}), expected);
}

TEST(RenderTest, SumsIdenticalSeriesAcrossRegistries) {
  Registry a;
  Registry b;
  for (Registry* r : {&a, &b}) {
    HttpSeries* s = r->http(outboundScope("emoji-svc:8080"));
    s->request();
    s->response(200, std::nullopt, 2ms);
    r->tcp(outboundScope(""), Peer::kSrc)->open();
    r->counter({"weir_proxy_detect_total", "Protocol detections."}, {{"protocol", "http/1"}})
        ->inc();
  }
  b.http(outboundScope("emoji-svc:8080"))->response(500, std::nullopt, 20ms);
  b.http(outboundScope("voting-svc:8080"))->request();
  b.counter({"weir_proxy_upstream_errors_total", "Upstream errors."}, {{"reason", "refused"}})
      ->inc(3);

  std::string text = renderAll({&a, &b});
  const std::string emoji =
      "{direction=\"outbound\",namespace=\"emojivoto\",deployment=\"web\","
      "authority=\"emoji-svc:8080\",dst_namespace=\"emojivoto\",dst_service=\"emoji-svc\","
      "tls=\"true\",server_id=\"emoji.emojivoto\"";
  EXPECT_EQ(sampleValue(text, "request_total" + emoji + "}"), 2);
  EXPECT_EQ(sampleValue(text, "response_total" + emoji +
                                  ",status_code=\"200\",classification=\"success\"}"),
            2);
  EXPECT_EQ(sampleValue(text, "response_total" + emoji +
                                  ",status_code=\"500\",classification=\"failure\"}"),
            1);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_bucket" + emoji +
                                  ",status_code=\"200\",le=\"2\"}"),
            2);
  EXPECT_EQ(sampleValue(text, "response_latency_ms_sum" + emoji + ",status_code=\"200\"}"), 4);
  const std::string voting =
      "{direction=\"outbound\",namespace=\"emojivoto\",deployment=\"web\","
      "authority=\"voting-svc:8080\",dst_namespace=\"emojivoto\",dst_service=\"emoji-svc\","
      "tls=\"true\",server_id=\"emoji.emojivoto\"}";
  EXPECT_EQ(sampleValue(text, "request_total" + voting), 1);
  EXPECT_EQ(sampleValue(text,
                        "tcp_open_total{direction=\"outbound\",peer=\"src\",namespace=\"emojivoto\","
                        "deployment=\"web\",dst_namespace=\"emojivoto\",dst_service=\"emoji-svc\","
                        "tls=\"true\",server_id=\"emoji.emojivoto\"}"),
            2);
  EXPECT_EQ(sampleValue(text, "weir_proxy_detect_total{protocol=\"http/1\"}"), 2);
  EXPECT_EQ(sampleValue(text, "weir_proxy_upstream_errors_total{reason=\"refused\"}"), 3);

  // Each series once, each family declared once.
  for (const char* line : {"request_total{", "# TYPE weir_proxy_detect_total counter\n",
                           "weir_proxy_detect_total{"}) {
    size_t first = text.find(line);
    ASSERT_NE(first, std::string::npos) << line;
    if (std::string_view(line) == "request_total{") {
      EXPECT_EQ(text.find(line, text.find(line, first + 1) + 1), std::string::npos);
    } else {
      EXPECT_EQ(text.find(line, first + 1), std::string::npos) << line;
    }
  }
}

TEST(RenderTest, EscapesOddAuthorities) {
  Registry r;
  Scope scope;
  scope.direction = "inbound";
  scope.authority = "a\"b\\c\nd:80";
  r.http(scope)->request();
  std::string text = renderAll({&r});
  EXPECT_NE(text.find("request_total{direction=\"inbound\",authority=\"a\\\"b\\\\c\\nd:80\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace weir::proxy::metrics
