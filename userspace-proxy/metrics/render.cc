#include "userspace-proxy/metrics/render.h"

#include <cstring>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

namespace weir::proxy::metrics {

namespace {

using weir::metrics::TextWriter;

// Linkerd's help texts; the tcp_* ones as weir-agent words them for the kernel fast path.
void declareFamilies(TextWriter& w) {
  w.family("request_total", "counter", "Total count of HTTP requests.");
  w.family("response_total", "counter", "Total count of HTTP responses.");
  w.family("response_latency_ms", "histogram",
           "Elapsed times between a request's headers being received and the first data of its "
           "response (its end, when it has no data).");
  w.family("tcp_open_total", "counter", "Total count of opened connections.");
  w.family("tcp_close_total", "counter", "Total count of closed connections.");
  w.family("tcp_open_connections", "gauge", "Number of currently-open connections.");
  w.family("tcp_read_bytes_total", "counter", "Total count of bytes read from peers.");
  w.family("tcp_write_bytes_total", "counter", "Total count of bytes written to peers.");
  w.family("tcp_connection_duration_ms", "histogram", "Connection lifetimes.");
}

template <typename T>
struct Summed {
  const Labels* labels = nullptr;  // the first registry's; equal keys have equal labels
  T value{};
};

struct TcpTotals {
  uint64_t opens = 0;
  uint64_t closes = 0;
  uint64_t readBytes = 0;
  uint64_t writeBytes = 0;
};

struct CloseTotals {
  uint64_t closes = 0;
  HistogramTotals duration;
};

// Every series of every registry, summed by identity. The string_views point into the series,
// which outlive the render.
struct Collected {
  std::map<std::string_view, Summed<uint64_t>> requests;
  std::map<std::tuple<std::string_view, int>, Summed<HistogramTotals>> latency;
  std::map<std::tuple<std::string_view, int, int, Classification>, Summed<uint64_t>> responses;
  std::map<std::string_view, Summed<TcpTotals>> tcp;
  std::map<std::tuple<std::string_view, int>, Summed<CloseTotals>> closes;
  std::map<std::string_view, std::pair<const CounterSeries*, uint64_t>> counters;
};

template <typename Map, typename Key>
auto& at(Map& map, const Key& key, const Labels& labels) {
  auto& entry = map[key];
  if (entry.labels == nullptr) {
    entry.labels = &labels;
  }
  return entry.value;
}

void collectHttp(Collected& c, const HttpSeries& s) {
  at(c.requests, s.key(), s.labels()) += s.requests();
  s.forEachStatus([&](const HttpSeries::StatusSeries& byStatus) {
    byStatus.latency.addTo(at(c.latency, std::tuple(std::string_view(s.key()), byStatus.status), s.labels()));
    byStatus.classes.forEach([&](const HttpSeries::ResponseClass& byClass) {
      auto key = std::tuple(std::string_view(s.key()), byStatus.status, byClass.grpcStatus,
                            byClass.classification);
      at(c.responses, key, s.labels()) += byClass.total.value();
    });
  });
}

void collectTcp(Collected& c, const TcpSeries& s) {
  TcpTotals& totals = at(c.tcp, s.key(), s.labels());
  // Closes before opens: a connection opened and closed during the scrape never makes
  // tcp_open_connections negative.
  s.forEachClose([&](const TcpSeries::CloseSeries& byErr) {
    uint64_t closes = byErr.total.value();
    totals.closes += closes;
    CloseTotals& close = at(c.closes, std::tuple(std::string_view(s.key()), byErr.err), s.labels());
    close.closes += closes;
    byErr.duration.addTo(close.duration);
  });
  totals.opens += s.opens();
  totals.readBytes += s.readBytes();
  totals.writeBytes += s.writeBytes();
}

Labels withLabel(const Labels& base, std::string_view name, std::string value) {
  Labels labels = base;
  labels.emplace_back(name, std::move(value));
  return labels;
}

// Linkerd's errno label: empty for a clean close, else the symbolic name ("ECONNRESET").
std::string errnoLabel(int err) {
  if (err == 0) {
    return "";
  }
  const char* name = ::strerrorname_np(err);
  return name != nullptr ? name : std::to_string(err);
}

void writeHistogram(TextWriter& w, std::string_view family, const Labels& labels,
                    const HistogramTotals& h) {
  w.histogram(family, labels, LatencyHistogram::boundsMs(), h.buckets,
              static_cast<double>(h.sumUs) / 1000.0);
}

void writeHttp(TextWriter& w, const Collected& c) {
  for (const auto& [key, sum] : c.requests) {
    w.sample("request_total", *sum.labels, static_cast<double>(sum.value));
  }
  for (const auto& [key, sum] : c.responses) {
    auto [series, status, grpcStatus, classification] = key;
    Labels labels = *sum.labels;
    if (status != 0) {
      labels.emplace_back("status_code", std::to_string(status));
    }
    labels.emplace_back("classification", classificationName(classification));
    if (grpcStatus != HttpSeries::kNoGrpcStatus) {
      labels.emplace_back("grpc_status", std::to_string(grpcStatus));
    }
    w.sample("response_total", labels, static_cast<double>(sum.value));
  }
  for (const auto& [key, sum] : c.latency) {
    int status = std::get<1>(key);
    writeHistogram(w, "response_latency_ms",
                   status != 0 ? withLabel(*sum.labels, "status_code", std::to_string(status))
                               : *sum.labels,
                   sum.value);
  }
}

void writeTcp(TextWriter& w, const Collected& c) {
  for (const auto& [key, sum] : c.tcp) {
    const TcpTotals& t = sum.value;
    w.sample("tcp_open_total", *sum.labels, static_cast<double>(t.opens));
    w.sample("tcp_open_connections", *sum.labels,
             static_cast<double>(t.opens > t.closes ? t.opens - t.closes : 0));
    w.sample("tcp_read_bytes_total", *sum.labels, static_cast<double>(t.readBytes));
    w.sample("tcp_write_bytes_total", *sum.labels, static_cast<double>(t.writeBytes));
  }
  for (const auto& [key, sum] : c.closes) {
    Labels labels = withLabel(*sum.labels, "errno", errnoLabel(std::get<1>(key)));
    w.sample("tcp_close_total", labels, static_cast<double>(sum.value.closes));
    writeHistogram(w, "tcp_connection_duration_ms", labels, sum.value.duration);
  }
}

void writeCounters(TextWriter& w, const Collected& c) {
  for (const auto& [key, entry] : c.counters) {
    const CounterSeries& s = *entry.first;
    w.family(s.name, "counter", s.help);  // the first series of a family declares it
    w.sample(s.name, s.labels, static_cast<double>(entry.second));
  }
}

}  // namespace

void render(std::span<const Registry* const> registries, TextWriter& out) {
  Collected c;
  for (const Registry* r : registries) {
    r->visit([&](const HttpSeries& s) { collectHttp(c, s); },
             [&](const TcpSeries& s) { collectTcp(c, s); },
             [&](const CounterSeries& s) {
               auto& entry = c.counters[s.key];
               if (entry.first == nullptr) {
                 entry.first = &s;
               }
               entry.second += s.counter.value();
             });
  }
  declareFamilies(out);
  writeHttp(out, c);
  writeTcp(out, c);
  writeCounters(out, c);
}

std::string render(std::span<const Registry* const> registries) {
  TextWriter w;
  render(registries, w);
  return w.take();
}

}  // namespace weir::proxy::metrics
