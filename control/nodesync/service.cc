#include "control/nodesync/service.h"

#include <thread>

#include "common/base/log.h"
#include "common/mesh/node_plan.h"
#include "common/meshwire/codec.h"

namespace weir::control::nodesync {

namespace {

// How often a stream waiting for changes checks whether its client went away.
constexpr std::chrono::milliseconds kCancelPoll{200};

}  // namespace

NodeSyncService::NodeSyncService(const Publisher& publisher, std::string epoch)
    : publisher_(publisher), epoch_(std::move(epoch)) {}

meshwire::NodeStateView NodeSyncService::viewFor(const Published& published,
                                                 const std::string& node, bool proxy) {
  if (!published.model) {
    return meshwire::NodeStateView();
  }
  mesh::PlanResult planned = mesh::plan(*published.model, {.node = node, .proxy = proxy});
  return meshwire::NodeStateView(meshwire::toWire(planned.plan));
}

void NodeSyncService::recordSent(const std::string& node, uint64_t version,
                                 const meshwire::NodeStateView& view) {
  std::lock_guard lock(mutex_);
  lastSent_[node] = Sent{version, view};
  status_[node].sentVersion = version;
}

std::map<std::string, NodeStatus> NodeSyncService::nodes() const {
  std::lock_guard lock(mutex_);
  return status_;
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
    status_[node].connected = true;
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

  Published published = publisher_.current();
  meshwire::NodeStateView view = viewFor(published, node, proxy);
  v1::NodeSyncServer out;
  bool resumed = false;
  if (hello.epoch() == epoch_) {
    std::lock_guard lock(mutex_);
    auto sent = lastSent_.find(node);
    if (sent != lastSent_.end() && sent->second.version == hello.applied_version()) {
      // The agent has exactly what this server last sent it: only what changed since.
      v1::Diff* diff = out.mutable_diff();
      diff->set_epoch(epoch_);
      diff->set_from_version(hello.applied_version());
      diff->set_version(published.version);
      meshwire::NodeStateView::diff(sent->second.view, view, diff->mutable_upserts(),
                                    diff->mutable_deletes());
      resumed = true;
    }
  }
  if (!resumed) {
    v1::Snapshot* snapshot = out.mutable_snapshot();
    snapshot->set_epoch(epoch_);
    snapshot->set_version(published.version);
    *snapshot->mutable_state() = view.state();
  }
  bool ok = stream->Write(out);
  recordSent(node, published.version, view);

  while (ok && !clientDone && !context->IsCancelled()) {
    Published next = publisher_.awaitNewer(published.version, kCancelPoll);
    if (next.version == published.version) {
      continue;
    }
    // Every version goes to every agent, as a diff that may be empty: an agent's ack then says it
    // is at the current version, and a resuming agent can be answered by a diff.
    meshwire::NodeStateView nextView = viewFor(next, node, proxy);
    v1::NodeSyncServer msg;
    v1::Diff* diff = msg.mutable_diff();
    meshwire::NodeStateView::diff(view, nextView, diff->mutable_upserts(), diff->mutable_deletes());
    diff->set_epoch(epoch_);
    diff->set_from_version(published.version);
    diff->set_version(next.version);
    ok = stream->Write(msg);
    recordSent(node, next.version, nextView);
    view = std::move(nextView);
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
