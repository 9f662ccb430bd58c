#pragma once

// The loop every watch stream of weir-control's discovery services runs: compile for the
// current published version at once, then again for each newer one, until the client goes
// away. Shared by Destination and Policy so cancellation and versioning behave the same.

#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>

#include "control/destination/catalog.h"
#include "control/nodesync/publisher.h"

namespace weir::control::destination {

// Calls `onVersion` with the catalog of the current version, then of every newer published
// version, while it returns true (false: a write failed) and the client is there. gRPC's sync
// API has no cancellation callback, so the wait for a new version is bounded and the context
// polled in between, as NodeSync does.
// `generation` (may be empty): something besides the model that the messages depend on; a
// change of it compiles the current version again.
void followVersions(grpc::ServerContext* context, const nodesync::Publisher& publisher,
                    CatalogCache& catalogs, const std::function<bool(const Catalog&)>& onVersion,
                    const std::function<uint64_t()>& generation = {});

// For streams whose messages replace the previous one whole: writes `next` when it is the
// first message or differs from the last one written (Linkerd's dedup of profile updates).
template <typename Message>
bool writeIfChanged(grpc::ServerWriter<Message>* writer, std::optional<Message>& last,
                    Message next) {
  if (last && google::protobuf::util::MessageDifferencer::Equals(*last, next)) {
    return true;
  }
  last = std::move(next);
  return writer->Write(*last);
}

// Counts a stream as active for its lifetime.
class ActiveStream {
 public:
  explicit ActiveStream(std::atomic<size_t>& count) : count_(count) { ++count_; }
  ~ActiveStream() { --count_; }
  ActiveStream(const ActiveStream&) = delete;
  ActiveStream& operator=(const ActiveStream&) = delete;

 private:
  std::atomic<size_t>& count_;
};

}  // namespace weir::control::destination
