#include "common/metrics/text_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace weir::metrics {
namespace {

TEST(TextWriterTest, CounterAndGaugeFamiliesRenderInDeclarationOrder) {
  TextWriter w;
  w.family("request_total", "counter", "Total count of HTTP requests.");
  w.family("tcp_open_connections", "gauge", "Number of currently-open connections.");
  w.sample("tcp_open_connections", {{"direction", "inbound"}}, 3);
  w.sample("request_total", {{"direction", "inbound"}, {"authority", "web:80"}}, 7);
  // Added after another family's sample: still rendered with its own family.
  w.sample("request_total", {{"direction", "outbound"}, {"authority", "db:5432"}}, 12);

  EXPECT_EQ(w.take(),
            "# HELP request_total Total count of HTTP requests.\n"
            "# TYPE request_total counter\n"
            "request_total{direction=\"inbound\",authority=\"web:80\"} 7\n"
            "request_total{direction=\"outbound\",authority=\"db:5432\"} 12\n"
            "# HELP tcp_open_connections Number of currently-open connections.\n"
            "# TYPE tcp_open_connections gauge\n"
            "tcp_open_connections{direction=\"inbound\"} 3\n");
}

TEST(TextWriterTest, SampleWithoutLabelsHasNoBraces) {
  TextWriter w;
  w.family("process_start_time_seconds", "gauge", "Time that the process started.");
  w.sample("process_start_time_seconds", {}, 1700000000);
  EXPECT_EQ(w.take(),
            "# HELP process_start_time_seconds Time that the process started.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1700000000\n");
}

TEST(TextWriterTest, CounterFamilyWithoutSuffixTakesTotalSamples) {
  TextWriter w;
  w.family("tcp_close", "counter", "Closed connections.");
  w.sample("tcp_close_total", {}, 2);
  EXPECT_EQ(w.take(),
            "# HELP tcp_close Closed connections.\n"
            "# TYPE tcp_close counter\n"
            "tcp_close_total 2\n");
}

TEST(TextWriterTest, FamilyDeclaredTwiceIsRenderedOnce) {
  TextWriter w;
  w.family("x_total", "counter", "X.");
  w.sample("x_total", {{"worker", "0"}}, 1);
  w.family("x_total", "counter", "X.");
  w.sample("x_total", {{"worker", "1"}}, 2);
  EXPECT_EQ(w.take(),
            "# HELP x_total X.\n"
            "# TYPE x_total counter\n"
            "x_total{worker=\"0\"} 1\n"
            "x_total{worker=\"1\"} 2\n");
}

TEST(TextWriterTest, EscapesLabelValuesAndHelp) {
  TextWriter w;
  w.family("g", "gauge", "Help with \\ backslash,\nnewline and \"quotes\".");
  w.sample("g", {{"path", "a\\b\"c\nd"}}, 1);
  EXPECT_EQ(w.take(),
            "# HELP g Help with \\\\ backslash,\\nnewline and \"quotes\".\n"
            "# TYPE g gauge\n"
            "g{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(TextWriterTest, TakeResetsTheWriter) {
  TextWriter w;
  w.family("g", "gauge", "G.");
  w.sample("g", {}, 1);
  EXPECT_FALSE(w.take().empty());
  EXPECT_EQ(w.take(), "");
}

TEST(TextWriterTest, Histogram) {
  TextWriter w;
  w.family("response_latency_ms", "histogram", "Elapsed times between a request and response.");
  w.histogram("response_latency_ms", {{"direction", "inbound"}}, {1, 2.5, 10}, {3, 0, 2, 1}, 57);
  EXPECT_EQ(w.take(),
            "# HELP response_latency_ms Elapsed times between a request and response.\n"
            "# TYPE response_latency_ms histogram\n"
            "response_latency_ms_bucket{direction=\"inbound\",le=\"1\"} 3\n"
            "response_latency_ms_bucket{direction=\"inbound\",le=\"2.5\"} 3\n"
            "response_latency_ms_bucket{direction=\"inbound\",le=\"10\"} 5\n"
            "response_latency_ms_bucket{direction=\"inbound\",le=\"+Inf\"} 6\n"
            "response_latency_ms_sum{direction=\"inbound\"} 57\n"
            "response_latency_ms_count{direction=\"inbound\"} 6\n");
}

TEST(TextWriterTest, HistogramWithoutLabels) {
  TextWriter w;
  w.family("h", "histogram", "H.");
  w.histogram("h", {}, {0.5}, {1, 1}, 0.75);
  EXPECT_EQ(w.take(),
            "# HELP h H.\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"0.5\"} 1\n"
            "h_bucket{le=\"+Inf\"} 2\n"
            "h_sum 0.75\n"
            "h_count 2\n");
}

TEST(TextWriterTest, LinkerdBuckets) {
  ASSERT_EQ(kLinkerdLatencyBucketsMs.size(), 25u);
  EXPECT_EQ(kLinkerdLatencyBucketsMs.front(), 1);
  EXPECT_EQ(kLinkerdLatencyBucketsMs.back(), 50000);
  EXPECT_TRUE(std::is_sorted(kLinkerdLatencyBucketsMs.begin(), kLinkerdLatencyBucketsMs.end()));
}

#ifndef NDEBUG
TEST(TextWriterDeathTest, SampleOfUndeclaredFamilyAsserts) {
  TextWriter w;
  EXPECT_DEATH(w.sample("nope", {}, 1), "undeclared");
}
#endif

TEST(TextWriterTest, SuffixMustFitTheFamilyType) {
  TextWriter w;
  w.family("g", "gauge", "G.");
  w.family("h", "histogram", "H.");
  w.sample("h_sum", {}, 1.5);
  w.sample("h_count", {}, 2);
  EXPECT_EQ(w.take(),
            "# HELP g G.\n# TYPE g gauge\n"
            "# HELP h H.\n# TYPE h histogram\nh_sum 1.5\nh_count 2\n");
#ifndef NDEBUG
  w.family("g", "gauge", "G.");
  EXPECT_DEATH(w.sample("g_total", {}, 1), "undeclared");
#endif
}

TEST(AppendValueTest, Table) {
  struct Case {
    const char* name;
    double input;
    const char* expected;
  };
  const Case cases[] = {
      {"zero", 0, "0"},
      {"negative zero", -0.0, "0"},
      {"integer", 42, "42"},
      {"negative integer", -7, "-7"},
      {"large integer without exponent", 1e15, "1000000000000000"},
      {"uint32 max", 4294967295.0, "4294967295"},
      {"fraction", 0.25, "0.25"},
      {"shortest round trip", 0.1, "0.1"},
      {"nan", std::nan(""), "NaN"},
      {"+inf", std::numeric_limits<double>::infinity(), "+Inf"},
      {"-inf", -std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const Case& c : cases) {
    std::string out;
    appendValue(out, c.input);
    EXPECT_EQ(out, c.expected) << c.name;
  }
}

}  // namespace
}  // namespace weir::metrics
