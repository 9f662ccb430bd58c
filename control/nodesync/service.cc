#include "control/nodesync/service.h"

#include <malloc.h>

#include <thread>

#include "common/base/log.h"
#include "control/nodesync/node_share.h"

namespace weir::control::nodesync {

namespace {

// How often a stream waiting for changes checks whether its client went away.
constexpr std::chrono::milliseconds kCancelPoll{200};

}  // namespace

NodeSyncService::NodeSyncService(const Publisher& publisher, std::string epoch)
    : publisher_(publisher), epoch_(std::move(epoch)) {}

v1::NodeSyncServer NodeSyncService::update(std::optional<uint64_t> from, const PublishedMesh& to,
                                           const mesh::PlanOptions& node) const {
  static const mesh::MeshPlan kNothing;
  const mesh::MeshPlan& mesh = to.mesh ? *to.mesh : kNothing;
  v1::NodeSyncServer out;
  if (from) {
    if (auto changes = publisher_.changes(*from, to.version)) {
      v1::Diff* diff = out.mutable_diff();
      diff->set_epoch(epoch_);
      diff->set_from_version(*from);
      diff->set_version(to.version);
      shareDiff(*changes, mesh, node, diff->mutable_upserts(), diff->mutable_deletes());
      return out;
    }
  }
  v1::Snapshot* snapshot = out.mutable_snapshot();
  snapshot->set_epoch(epoch_);
  snapshot->set_version(to.version);
  *snapshot->mutable_state() = shareOf(mesh, node);
  return out;
}

void NodeSyncService::recordSent(const std::string& node, uint64_t version) {
  std::lock_guard lock(mutex_);
  status_[node].sentVersion = version;
}

std::map<std::string, NodeStatus> NodeSyncService::nodes() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::optional<std::pair<uint32_t, uint16_t>> NodeSyncService::proxyInbound(
    const std::string& node) const {
  std::lock_guard lock(mutex_);
  auto it = status_.find(node);
  if (it == status_.end() || it->second.proxyInboundIp4 == 0 || it->second.proxyInboundPort == 0) {
    return std::nullopt;
  }
  return std::pair{it->second.proxyInboundIp4, it->second.proxyInboundPort};
}

grpc::Status NodeSyncService::Sync(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::NodeSyncServer, v1::NodeSyncClient>* stream) {
  auto log = weir::logger("nodesync");
  v1::NodeSyncClient first;
  if (!stream->Read(&first) || !first.has_hello() || first.hello().node().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message must be a Hello");
  }
  const v1::Hello hello = first.hello();
  const std::string node = hello.node();
  const bool proxy = hello.has_proxy_outbound();
  {
    std::lock_guard lock(mutex_);
    NodeStatus& st = status_[node];
    st.connected = true;
    uint32_t ip = hello.has_proxy_inbound() && hello.proxy_inbound().ip().has_ipv4()
                      ? hello.proxy_inbound().ip().ipv4()
                      : 0;
    uint16_t port = ip != 0 && hello.proxy_inbound().port() <= 65535
                        ? static_cast<uint16_t>(hello.proxy_inbound().port())
                        : 0;
    if (st.proxyInboundIp4 != ip || st.proxyInboundPort != port) {
      st.proxyInboundIp4 = ip;
      st.proxyInboundPort = port;
      ++proxiesGeneration_;
    }
  }
  log->info("agent connected node={} peer={} resume_epoch={} resume_version={}", node,
            context->peer(), hello.epoch(), hello.applied_version());

  // Acks and nacks arrive on their own thread; the stream's writer is this one.
  std::atomic<bool> clientDone{false};
  std::thread reader([&] {
    v1::NodeSyncClient msg;
    while (stream->Read(&msg)) {
      std::lock_guard lock(mutex_);
      NodeStatus& st = status_[node];
      if (msg.has_ack() && msg.ack().epoch() == epoch_) {
        st.ackedVersion = std::max(st.ackedVersion, msg.ack().version());
      } else if (msg.has_nack()) {
        st.lastError = msg.nack().error();
        log->warn("agent rejected node={} version={} error=\"{}\"", node, msg.nack().version(),
                  msg.nack().error());
      }
    }
    clientDone = true;
  });

  const mesh::PlanOptions share{.node = node, .proxy = proxy};
  PublishedMesh published = publisher_.currentMesh();
  bool ok = false;
  {
    // An agent holding a version of this epoch gets only what changed since.
    std::optional<uint64_t> from;
    if (hello.epoch() == epoch_) {
      from = hello.applied_version();
    }
    v1::NodeSyncServer message = update(from, published, share);
    ok = stream->Write(message);
  }
  // A snapshot is the node's whole share (megabytes in a large mesh), built and freed at once:
  // hand the pages back rather than keep the peak of every agent connecting at once.
  ::malloc_trim(0);
  recordSent(node, published.version);

  while (ok && !clientDone && !context->IsCancelled()) {
    PublishedMesh next = publisher_.awaitNewerMesh(published.version, kCancelPoll);
    if (next.version == published.version) {
      continue;
    }
    // Every version goes to every agent, as a diff that may be empty: an agent's ack then says it
    // is at the current version, and a resuming agent can be answered by a diff.
    // A stream that fell behind the history (it is that slow) starts over with a snapshot.
    v1::NodeSyncServer msg = update(published.version, next, share);
    ok = stream->Write(msg);
    recordSent(node, next.version);
    published = next;
  }
  context->TryCancel();  // unblocks the reader if the client is still there
  reader.join();
  {
    std::lock_guard lock(mutex_);
    status_[node].connected = false;
  }
  log->info("agent disconnected node={}", node);
  return grpc::Status::OK;
}

}  // namespace weir::control::nodesync
