#pragma once

// Policy (weir.v1, port 8090): inbound policy per workload port and outbound policy per target,
// streamed from the published model. Every stream sends its first message at once, then the
// whole policy again whenever a newly published version changes it, until the client goes away.
//
//   PolicyService policy(publisher);
//   builder.RegisterService(&policy);  // on 8090

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>

#include "control/destination/catalog.h"
#include "control/nodesync/publisher.h"
#include "control/policy/options.h"
#include "weir/v1/policy.grpc.pb.h"

namespace weir::control::policy {

class PolicyService final : public v1::Policy::Service {
 public:
  explicit PolicyService(const nodesync::Publisher& publisher, Options options = {});

  grpc::Status WatchInbound(grpc::ServerContext* context, const v1::InboundPort* request,
                            grpc::ServerWriter<v1::InboundServer>* writer) override;
  grpc::Status WatchOutbound(grpc::ServerContext* context, const v1::OutboundTarget* request,
                             grpc::ServerWriter<v1::OutboundPolicy>* writer) override;

  // Streams being served now (for metrics, and for tests that a cancelled stream ended).
  size_t activeStreams() const { return active_.load(); }

 private:
  const nodesync::Publisher& publisher_;
  Options options_;
  destination::CatalogCache catalogs_;
  std::atomic<size_t> active_{0};
};

}  // namespace weir::control::policy
