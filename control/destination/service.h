#pragma once

// Destination (weir.v1, port 8086): endpoints and profiles of the authorities weir-proxy asks
// about, streamed from the published model. Every stream sends its first message at once, then
// only what changed with each newly published version, until the client goes away.
//
//   DestinationService destination(publisher);
//   builder.RegisterService(&destination);  // beside NodeSync, on 8086

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>

#include "control/destination/catalog.h"
#include "control/destination/options.h"
#include "control/nodesync/publisher.h"
#include "control/nodesync/service.h"
#include "weir/v1/destination.grpc.pb.h"

namespace weir::control::destination {

class DestinationService final : public v1::Destination::Service {
 public:
  // `proxies` (may be null): where other nodes' proxies take connections, for `node_proxy`.
  explicit DestinationService(const nodesync::Publisher& publisher, Options options = {},
                              const nodesync::NodeProxies* proxies = nullptr);

  grpc::Status Get(grpc::ServerContext* context, const v1::GetDestination* request,
                   grpc::ServerWriter<v1::Update>* writer) override;
  grpc::Status GetProfile(grpc::ServerContext* context, const v1::GetDestination* request,
                          grpc::ServerWriter<v1::DestinationProfile>* writer) override;

  // Streams being served now (for metrics, and for tests that a cancelled stream ended).
  size_t activeStreams() const { return active_.load(); }

 private:
  const nodesync::Publisher& publisher_;
  Options options_;
  const nodesync::NodeProxies* proxies_;
  CatalogCache catalogs_;
  std::atomic<size_t> active_{0};
};

}  // namespace weir::control::destination
