#include "control/policy/service.h"

#include <optional>

#include "common/base/log.h"
#include "control/destination/stream.h"
#include "control/policy/inbound.h"
#include "control/policy/outbound.h"

namespace weir::control::policy {

PolicyService::PolicyService(const nodesync::Publisher& publisher, Options options)
    : publisher_(publisher), options_(std::move(options)) {}

grpc::Status PolicyService::WatchInbound(grpc::ServerContext* context,
                                         const v1::InboundPort* request,
                                         grpc::ServerWriter<v1::InboundServer>* writer) {
  const v1::WorkloadRef& workload = request->workload();
  if (workload.namespace_().empty() || workload.name().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "workload namespace and name required");
  }
  if (request->port() == 0 || request->port() > 65535) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "invalid port " + std::to_string(request->port()));
  }
  const auto port = static_cast<uint16_t>(request->port());
  destination::ActiveStream active(active_);
  weir::logger("policy")->debug("watch_inbound workload={}/{} port={} node={}",
                                workload.namespace_(), workload.name(), port, request->node());
  std::optional<v1::InboundServer> sent;
  destination::followVersions(context, publisher_, catalogs_, [&](const destination::Catalog& c) {
    return destination::writeIfChanged(
        writer, sent, compileInbound(c, workload.namespace_(), workload.name(), port, options_));
  });
  return grpc::Status::OK;
}

grpc::Status PolicyService::WatchOutbound(grpc::ServerContext* context,
                                          const v1::OutboundTarget* request,
                                          grpc::ServerWriter<v1::OutboundPolicy>* writer) {
  Result<destination::Authority> target = outboundTarget(*request, options_);
  if (!target.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, target.error().str());
  }
  const std::string& sourceNamespace = request->source_workload().namespace_();
  destination::ActiveStream active(active_);
  weir::logger("policy")->debug("watch_outbound source_ns={} node={}", sourceNamespace,
                                request->node());
  std::optional<v1::OutboundPolicy> sent;
  destination::followVersions(context, publisher_, catalogs_, [&](const destination::Catalog& c) {
    return destination::writeIfChanged(writer, sent,
                                       compileOutbound(c, *target, sourceNamespace, options_));
  });
  return grpc::Status::OK;
}

}  // namespace weir::control::policy
