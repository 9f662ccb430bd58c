#include "control/destination/service.h"

#include <optional>
#include <vector>

#include "common/base/log.h"
#include "control/destination/authority.h"
#include "control/destination/endpoints.h"
#include "control/destination/profile.h"
#include "control/destination/stream.h"

namespace weir::control::destination {

namespace {

// The request's authority into `out`, or INVALID_ARGUMENT for a path that is no authority.
grpc::Status readPath(const v1::GetDestination& request, const Options& options, Authority& out) {
  Result<Authority> parsed = parseAuthority(request.path(), options.clusterDomain);
  if (!parsed.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, parsed.error().str());
  }
  out = *parsed;
  return grpc::Status::OK;
}

// Each endpoint on a node whose proxy other nodes can reach gets that proxy's address.
void setNodeProxies(EndpointView& view, const nodesync::NodeProxies& proxies) {
  for (auto& [key, ep] : view.endpoints) {
    if (ep.node().empty() || view.skipInbound.count(key) != 0) {
      continue;
    }
    if (auto at = proxies.proxyInbound(ep.node())) {
      ep.mutable_node_proxy()->mutable_ip()->set_ipv4(at->first);
      ep.mutable_node_proxy()->set_port(at->second);
    }
  }
}

}  // namespace

DestinationService::DestinationService(const nodesync::Publisher& publisher, Options options,
                                       const nodesync::NodeProxies* proxies)
    : publisher_(publisher), options_(std::move(options)), proxies_(proxies) {}

grpc::Status DestinationService::Get(grpc::ServerContext* context,
                                     const v1::GetDestination* request,
                                     grpc::ServerWriter<v1::Update>* writer) {
  Authority authority;
  if (grpc::Status status = readPath(*request, options_, authority); !status.ok()) {
    return status;
  }
  ActiveStream active(active_);
  weir::logger("destination")
      ->debug("get path={} node={} peer={}", request->path(), request->node(), context->peer());
  std::optional<EndpointView> sent;
  auto generation = [this]() -> uint64_t {
    return proxies_ != nullptr ? proxies_->proxiesGeneration() : 0;
  };
  followVersions(context, publisher_, catalogs_, [&](const Catalog& catalog) {
    EndpointView view = resolveEndpoints(catalog, authority);
    if (proxies_ != nullptr) {
      setNodeProxies(view, *proxies_);
    }
    std::vector<v1::Update> updates =
        sent ? changes(*sent, view) : std::vector<v1::Update>{firstUpdate(view)};
    sent = std::move(view);
    for (const v1::Update& update : updates) {
      if (!writer->Write(update)) {
        return false;
      }
    }
    return true;
  }, generation);
  return grpc::Status::OK;
}

grpc::Status DestinationService::GetProfile(grpc::ServerContext* context,
                                            const v1::GetDestination* request,
                                            grpc::ServerWriter<v1::DestinationProfile>* writer) {
  Authority authority;
  if (grpc::Status status = readPath(*request, options_, authority); !status.ok()) {
    return status;
  }
  ActiveStream active(active_);
  weir::logger("destination")
      ->debug("get_profile path={} source_ns={} node={}", request->path(),
              request->source_namespace(), request->node());
  std::optional<v1::DestinationProfile> sent;
  followVersions(context, publisher_, catalogs_, [&](const Catalog& catalog) {
    return writeIfChanged(
        writer, sent, compileProfile(catalog, authority, request->source_namespace(), options_));
  });
  return grpc::Status::OK;
}

}  // namespace weir::control::destination
