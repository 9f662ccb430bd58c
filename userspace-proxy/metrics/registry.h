#pragma once

// One worker's metrics: the series it counts into, created on first use and never freed before
// the Registry (this version does no idle eviction; Linkerd evicts idle series, we may later).
//
//   Registry& reg = worker.metrics();                 // one per io_uring worker
//   HttpSeries* http = reg.http(scope);               // once per connection / authority
//   http->request();                                  // lock-free, no allocation
//   http->response(200, std::nullopt, latency);
//   TcpSeries* tcp = reg.tcp(scope, Peer::kSrc);
//   tcp->open(); tcp->read(n); tcp->close(0, lifetime);
//   Counter* bad = reg.counter(kBadRequests, {{"status", "400"}});
//   bad->inc();
//
// The admin thread renders every worker's Registry with render() (render.h).
//
// Thread safety: lookups (http, tcp, counter) take this registry's mutex, which only its own
// worker and the scrape ever take; counting through a returned pointer takes no lock, from any
// thread.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "userspace-proxy/metrics/scope.h"
#include "userspace-proxy/metrics/series.h"

namespace weir::proxy::metrics {

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The series of scope (found or created). Finding an existing one allocates nothing.
  HttpSeries* http(const Scope& scope);
  TcpSeries* tcp(const Scope& scope, Peer peer);
  // A series of one of the proxy's own counter families. Create the series an operator alerts
  // on at startup, so they read 0 rather than being absent.
  Counter* counter(const CounterDesc& desc, const Labels& labels);

  // For the renderer: calls onHttp(const HttpSeries&), onTcp(const TcpSeries&) and
  // onCounter(const CounterSeries&) for every series, under this registry's mutex.
  template <typename OnHttp, typename OnTcp, typename OnCounter>
  void visit(OnHttp&& onHttp, OnTcp&& onTcp, OnCounter&& onCounter) const {
    std::lock_guard lock(mu_);
    for (const auto& [key, series] : http_) {
      onHttp(*series);
    }
    for (const auto& [key, series] : tcp_) {
      onTcp(*series);
    }
    for (const auto& [key, series] : counters_) {
      onCounter(*series);
    }
  }

 private:
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename T>
  using Index = std::unordered_map<std::string, std::unique_ptr<T>, KeyHash, std::equal_to<>>;

  mutable std::mutex mu_;  // guards the indexes and scratch_; appends to sub-series lists
  std::string scratch_;    // the key being looked up, reused so a hit allocates nothing
  Index<HttpSeries> http_;
  Index<TcpSeries> tcp_;
  Index<CounterSeries> counters_;
};

}  // namespace weir::proxy::metrics
