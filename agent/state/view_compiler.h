#pragma once

// Keeps the kernel's desired state compiled from the NodeSync view (meshwire::NodeStateView),
// recompiling only the service ports a diff touches: a weight change costs one port, not the node.
// A diff that changes authorizations recompiles the node's authorizations (a few entries per
// local workload port with a policy). Snapshots, and diffs that change workloads or node settings
// (which every port and authorization may depend on), compile the whole view.

#include <map>
#include <string>
#include <vector>

#include "agent/state/compile.h"
#include "common/meshwire/node_state_view.h"
#include "weir/v1/nodesync.pb.h"

namespace weir::agent::state {

class ViewCompiler {
 public:
  ViewCompiler(CompileOptions options, CgroupResolver resolver);

  // Apply a message to `view`, then compile. On errors desired() is unchanged but `view` is not:
  // the caller must start over from a snapshot.
  std::vector<std::string> applySnapshot(meshwire::NodeStateView& view, const v1::NodeState& state);
  std::vector<std::string> applyDiff(meshwire::NodeStateView& view, const v1::Diff& diff);

  const DesiredState& desired() const { return desired_; }
  // The keys the last message may have changed, when it was compiled incrementally; null after
  // a whole compile (then any entry may have).
  const Touched* touched() const { return incremental_ ? &touched_ : nullptr; }
  // Service ports compiled by the last message (all of them after a whole compile).
  size_t lastCompiledPorts() const { return lastCompiledPorts_; }

 private:
  std::vector<std::string> compileAll(const meshwire::NodeStateView& view);

  CompileOptions options_;
  CgroupResolver resolver_;
  bool compiled_ = false;
  DesiredState desired_;
  std::map<std::string, uint64_t> cgroupOf_;  // by workload id, from the last whole compile
  std::map<std::string, std::vector<uint64_t>> cgroupsOfIdentity_;  // the same, by identity
  size_t lastCompiledPorts_ = 0;
  bool incremental_ = false;
  Touched touched_;
};

}  // namespace weir::agent::state
