#pragma once

// NodeSync: one stream per agent. The agent says hello (its node, whether a proxy runs there, the
// epoch and version it last applied); the server answers at once with a snapshot of the node's
// share of the mesh, or a diff when the agent resumes a version of this epoch still in the
// publisher's history, then a diff for every published version. Agents acknowledge each version.
// A stream holds no copy of the node's state: diffs come from the publisher's shared changes.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "control/nodesync/publisher.h"
#include "weir/v1/nodesync.grpc.pb.h"

namespace weir::control::nodesync {

struct NodeStatus {
  uint64_t sentVersion = 0;
  uint64_t ackedVersion = 0;
  bool connected = false;
  std::string lastError;  // from a Nack
};

class NodeSyncService final : public v1::NodeSync::Service {
 public:
  NodeSyncService(const Publisher& publisher, std::string epoch);

  grpc::Status Sync(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::NodeSyncServer, v1::NodeSyncClient>* stream) override;

  std::map<std::string, NodeStatus> nodes() const;
  const std::string& epoch() const { return epoch_; }

 private:
  // What takes a node from version `from` of this epoch (nothing: a version the server does not
  // know) to `to`: a diff while the history holds the changes between them, else a snapshot.
  v1::NodeSyncServer update(std::optional<uint64_t> from, const PublishedMesh& to,
                            const mesh::PlanOptions& node) const;
  void recordSent(const std::string& node, uint64_t version);

  const Publisher& publisher_;
  std::string epoch_;
  mutable std::mutex mutex_;
  std::map<std::string, NodeStatus> status_;
};

}  // namespace weir::control::nodesync
