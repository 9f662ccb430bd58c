#include "control/destination/stream.h"

#include <chrono>

namespace weir::control::destination {

namespace {

// How often a stream waiting for changes checks whether its client went away.
constexpr std::chrono::milliseconds kCancelPoll{200};

}  // namespace

void followVersions(grpc::ServerContext* context, const nodesync::Publisher& publisher,
                    CatalogCache& catalogs, const std::function<bool(const Catalog&)>& onVersion,
                    const std::function<uint64_t()>& generation) {
  auto gen = [&] { return generation ? generation() : 0; };
  nodesync::Published published = publisher.current();
  uint64_t seen = gen();
  bool ok = onVersion(*catalogs.get(published));
  while (ok && !context->IsCancelled()) {
    nodesync::Published next = publisher.awaitNewer(published.version, kCancelPoll);
    if (next.version == published.version && gen() == seen) {
      continue;
    }
    seen = gen();
    published = std::move(next);
    ok = onVersion(*catalogs.get(published));
  }
}

}  // namespace weir::control::destination
