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
  uint32_t proxyInboundIp4 = 0;  // host order, from the node's Hello; 0: no proxy reachable
  uint16_t proxyInboundPort = 0;
};

// Where each node's proxy takes connections from other nodes, as the nodes' agents said in their
// Hello. Read by Destination, which gives it as each endpoint's `node_proxy`.
class NodeProxies {
 public:
  virtual ~NodeProxies() = default;
  // (IPv4 in host order, port) of the node's inbound listener; nullopt when it has none.
  virtual std::optional<std::pair<uint32_t, uint16_t>> proxyInbound(const std::string& node) const = 0;
  // Changes whenever any node's address does.
  virtual uint64_t proxiesGeneration() const = 0;
};

class NodeSyncService final : public v1::NodeSync::Service, public NodeProxies {
 public:
  NodeSyncService(const Publisher& publisher, std::string epoch);

  grpc::Status Sync(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::NodeSyncServer, v1::NodeSyncClient>* stream) override;

  std::map<std::string, NodeStatus> nodes() const;
  std::optional<std::pair<uint32_t, uint16_t>> proxyInbound(const std::string& node) const override;
  uint64_t proxiesGeneration() const override { return proxiesGeneration_.load(); }
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
  std::atomic<uint64_t> proxiesGeneration_{0};
};

}  // namespace weir::control::nodesync
