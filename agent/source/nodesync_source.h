#pragma once

// The control plane as the agent's source: one NodeSync stream to weir-control. Snapshots and
// diffs move an id-keyed copy of the node's state; every version is compiled into the kernel's
// desired state — a diff recompiles only the service ports it touches (state/view_compiler.h) and
// the kernel sees only the entries that changed — and acknowledged, or refused with a Nack while
// the last good state stays. A broken stream is retried with backoff, resuming from the
// last applied version; meanwhile the kernel keeps what it has and traffic flows.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "agent/source/source.h"
#include "agent/state/compile.h"
#include "agent/state/view_compiler.h"
#include "common/grpctls/control_tls.h"
#include "common/meshwire/node_state_view.h"

namespace grpc {
class ClientContext;
}

namespace weir::agent::source {

class NodeSyncSource : public Source {
 public:
  NodeSyncSource(std::string address, grpctls::ControlTls tls, state::CompileOptions options,
                 state::CgroupResolver resolver);
  Status run(StateSink& sink) override;
  void stop() override;

 private:
  // One stream, until it breaks or stop(). Returns whether it received anything.
  bool session(StateSink& sink);

  std::string address_;
  grpctls::ControlTls tls_;
  state::CompileOptions options_;
  state::ViewCompiler compiler_;
  std::string epoch_;     // of the control plane we last applied from
  uint64_t applied_ = 0;  // the version we last applied
  meshwire::NodeStateView view_;

  std::mutex mutex_;
  std::condition_variable wake_;
  grpc::ClientContext* context_ = nullptr;  // the live stream's, for stop()
  std::atomic<bool> stopping_{false};
};

}  // namespace weir::agent::source
