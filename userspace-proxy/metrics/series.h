#pragma once

// The series one worker updates on its hot path. A worker gets a series from its Registry once
// (per connection, per authority, ...), keeps the pointer, and then counts without any lock and
// without allocating. Series never move and are never freed before their Registry.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "userspace-proxy/metrics/instruments.h"
#include "userspace-proxy/metrics/scope.h"
#include "userspace-proxy/metrics/series_list.h"

namespace weir::proxy::metrics {

// Linkerd's `classification` label.
enum class Classification : uint8_t { kSuccess, kFailure };

std::string_view classificationName(Classification c);  // "success" | "failure"

// Linkerd's default response classifier: when the response carries a grpc-status, it decides
// (0 is success, anything else failure); otherwise a 5xx is a failure and anything else success.
Classification classify(int status, std::optional<int> grpcStatus);

// request_total, response_latency_ms and response_total of one Scope. As in Linkerd, the latency
// histogram is kept per status code and response_total per status code, classification and
// gRPC status.
class HttpSeries {
 public:
  static constexpr int kNoGrpcStatus = -1;

  struct ResponseClass {
    int grpcStatus = kNoGrpcStatus;
    Classification classification = Classification::kSuccess;
    Counter total;
    ResponseClass* next = nullptr;
  };
  struct StatusSeries {
    int status = 0;  // 0: the response had no valid status code (then no status_code label)
    LatencyHistogram latency;
    SeriesList<ResponseClass> classes;
    StatusSeries* next = nullptr;
  };

  // createMu guards appending sub-series (the owning Registry's mutex).
  HttpSeries(std::string key, Labels labels, std::mutex& createMu);

  void request() { requests_.inc(); }

  // Counts a response, classified by classify(). latency runs from the request's headers to the
  // response's first data (its end when it has none), as Linkerd measures it. The first response with a new status code (or gRPC status or
  // classification) for this series takes the registry's mutex and allocates once; afterwards
  // this is lock-free and allocation-free. Values from the network are bounded: a status outside
  // 100..999 is recorded without a status_code, a grpc-status outside 0..16 as 2 (UNKNOWN), as
  // gRPC clients read unknown codes.
  void response(int status, std::optional<int> grpcStatus, std::chrono::nanoseconds latency);
  // The same with the caller's classification (e.g. a ServiceProfile's response classes).
  void response(int status, std::optional<int> grpcStatus, Classification classification,
                std::chrono::nanoseconds latency);

  // For the renderer.
  const std::string& key() const { return key_; }
  const Labels& labels() const { return labels_; }
  uint64_t requests() const { return requests_.value(); }
  template <typename F>
  void forEachStatus(F&& f) const {
    statuses_.forEach(f);
  }

 private:
  const std::string key_;
  const Labels labels_;
  std::mutex& createMu_;
  Counter requests_;
  SeriesList<StatusSeries> statuses_;
};

// tcp_open_total, tcp_close_total, tcp_open_connections, tcp_read_bytes_total,
// tcp_write_bytes_total and tcp_connection_duration_ms of one Scope and Peer; closes and
// durations per errno, as in Linkerd.
class TcpSeries {
 public:
  struct CloseSeries {
    int err = 0;
    Counter total;
    LatencyHistogram duration;
    CloseSeries* next = nullptr;
  };

  TcpSeries(std::string key, Labels labels, std::mutex& createMu);

  void open() { opens_.inc(); }
  // err is the errno the connection ended with (or -errno, as io_uring reports it), 0 for a
  // clean close. The first close with a new
  // errno takes the registry's mutex and allocates once.
  void close(int err, std::chrono::nanoseconds duration);
  void read(uint64_t bytes) { readBytes_.inc(bytes); }
  void write(uint64_t bytes) { writeBytes_.inc(bytes); }

  // For the renderer.
  const std::string& key() const { return key_; }
  const Labels& labels() const { return labels_; }
  uint64_t opens() const { return opens_.value(); }
  uint64_t readBytes() const { return readBytes_.value(); }
  uint64_t writeBytes() const { return writeBytes_.value(); }
  template <typename F>
  void forEachClose(F&& f) const {
    closes_.forEach(f);
  }

 private:
  const std::string key_;
  const Labels labels_;
  std::mutex& createMu_;
  Counter opens_;
  Counter readBytes_;
  Counter writeBytes_;
  SeriesList<CloseSeries> closes_;
};

// A counter family of the proxy's own, e.g.
//   inline constexpr CounterDesc kBadRequests{"weir_proxy_bad_requests_total",
//                                             "Requests answered 4xx by the proxy itself."};
// The name carries its _total suffix and is not one of Linkerd's families above.
struct CounterDesc {
  std::string_view name;
  std::string_view help;
};

// One labelled series of a proxy-own counter family.
struct CounterSeries {
  std::string name;
  std::string help;
  std::string key;  // name plus the labels' identity: equal in every registry for one series
  Labels labels;
  Counter counter;
};

}  // namespace weir::proxy::metrics
