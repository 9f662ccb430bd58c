// The hot path's promise, checked: once a series and its sub-series exist, counting (and finding
// the series again) allocates nothing. This binary replaces the global operator new to count.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <new>

#include "userspace-proxy/metrics/registry.h"

namespace {

thread_local uint64_t allocations = 0;

}  // namespace

void* operator new(size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  std::abort();
}

void operator delete(void* p) noexcept {
  std::free(p);
}

void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace weir::proxy::metrics {
namespace {

using namespace std::chrono_literals;

TEST(NoAllocationTest, SteadyStateCountingDoesNotAllocate) {
  Registry r;
  Scope scope;
  scope.direction = "outbound";
  scope.workload = {{"namespace", "emojivoto"}, {"deployment", "web"}};
  scope.authority = "emoji-svc.emojivoto.svc.cluster.local:8080";
  scope.dst = {{"dst_namespace", "emojivoto"}, {"dst_service", "emoji-svc"}};
  scope.tls = {{"tls", "true"}, {"server_id", "emoji.emojivoto.serviceaccount.identity.linkerd"}};
  CounterDesc detect{"weir_proxy_detect_total", "Protocol detections."};
  Labels http2{{"protocol", "http/2"}};

  auto count = [&] {
    HttpSeries* http = r.http(scope);
    TcpSeries* tcp = r.tcp(scope, Peer::kDst);
    Counter* c = r.counter(detect, http2);
    http->request();
    http->response(200, 0, 3ms);
    http->response(503, std::nullopt, 40ms);
    tcp->open();
    tcp->read(100);
    tcp->write(200);
    tcp->close(0, 2s);
    tcp->close(ECONNRESET, 2s);
    c->inc();
  };
  count();  // creates every series and sub-series
  count();  // warms the lookup buffer to its final size

  uint64_t before = allocations;
  for (int i = 0; i < 1000; ++i) {
    count();
  }
  EXPECT_EQ(allocations - before, 0u);
}

}  // namespace
}  // namespace weir::proxy::metrics
