#include "userspace-proxy/metrics/series.h"

#include <utility>

namespace weir::proxy::metrics {

namespace {

constexpr int kGrpcUnknown = 2;
constexpr int kGrpcMaxStatus = 16;  // UNAUTHENTICATED, the last code gRPC defines

}  // namespace

std::string_view classificationName(Classification c) {
  return c == Classification::kSuccess ? "success" : "failure";
}

Classification classify(int status, std::optional<int> grpcStatus) {
  if (grpcStatus) {
    return *grpcStatus == 0 ? Classification::kSuccess : Classification::kFailure;
  }
  return status >= 500 && status <= 599 ? Classification::kFailure : Classification::kSuccess;
}

HttpSeries::HttpSeries(std::string key, Labels labels, std::mutex& createMu)
    : key_(std::move(key)), labels_(std::move(labels)), createMu_(createMu) {}

void HttpSeries::response(int status, std::optional<int> grpcStatus,
                          std::chrono::nanoseconds latency) {
  response(status, grpcStatus, classify(status, grpcStatus), latency);
}

void HttpSeries::response(int status, std::optional<int> grpcStatus,
                          Classification classification, std::chrono::nanoseconds latency) {
  if (status < 100 || status > 999) {
    status = 0;
  }
  int grpc = kNoGrpcStatus;
  if (grpcStatus) {
    grpc = *grpcStatus >= 0 && *grpcStatus <= kGrpcMaxStatus ? *grpcStatus : kGrpcUnknown;
  }
  StatusSeries& byStatus = statuses_.findOrCreate(
      createMu_, [&](const StatusSeries& s) { return s.status == status; },
      [&] {
        auto s = std::make_unique<StatusSeries>();
        s->status = status;
        return s;
      });
  byStatus.latency.record(latency);
  ResponseClass& byClass = byStatus.classes.findOrCreate(
      createMu_,
      [&](const ResponseClass& c) {
        return c.grpcStatus == grpc && c.classification == classification;
      },
      [&] {
        auto c = std::make_unique<ResponseClass>();
        c->grpcStatus = grpc;
        c->classification = classification;
        return c;
      });
  byClass.total.inc();
}

TcpSeries::TcpSeries(std::string key, Labels labels, std::mutex& createMu)
    : key_(std::move(key)), labels_(std::move(labels)), createMu_(createMu) {}

void TcpSeries::close(int err, std::chrono::nanoseconds duration) {
  err = err < 0 ? -err : err;  // io_uring completions carry -errno
  CloseSeries& byErr = closes_.findOrCreate(
      createMu_, [&](const CloseSeries& c) { return c.err == err; },
      [&] {
        auto c = std::make_unique<CloseSeries>();
        c->err = err;
        return c;
      });
  byErr.total.inc();
  byErr.duration.record(duration);
}

}  // namespace weir::proxy::metrics
