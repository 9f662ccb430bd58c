#pragma once

// NodeSync: one stream per agent. The agent says hello (its node, whether a proxy runs there, the
// epoch and version it last applied); the server answers at once with a snapshot of the node's
// plan, or a diff when the agent resumes a version this server sent it, then a diff for every
// published change that touches the node. Agents acknowledge each version.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "common/meshwire/node_state_view.h"
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
  struct Sent {
    uint64_t version = 0;
    meshwire::NodeStateView view;
  };

  // The node's plan for the published model, as NodeSync entries.
  static meshwire::NodeStateView viewFor(const Published& published, const std::string& node,
                                         bool proxy);
  void recordSent(const std::string& node, uint64_t version, const meshwire::NodeStateView& view);

  const Publisher& publisher_;
  std::string epoch_;
  mutable std::mutex mutex_;
  std::map<std::string, Sent> lastSent_;  // by node: what a resuming agent already has
  std::map<std::string, NodeStatus> status_;
};

}  // namespace weir::control::nodesync
