#pragma once

// The current configuration, versioned. Sources (the config directory, Kubernetes) publish whole
// valid models; the publisher plans the mesh once per version for every node (mesh_plan.h) and
// keeps what changed for a while, so a NodeSync stream turns a version into its node's diff at a
// cost proportional to the change, and a reconnecting agent resumes with a diff.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/config/model.h"
#include "common/mesh/mesh_plan.h"

namespace weir::control::nodesync {

struct Published {
  uint64_t version = 0;  // 0: nothing published yet
  std::shared_ptr<const config::Model> model;
  std::shared_ptr<const mesh::MeshPlan> mesh;
};

// The planned mesh alone: it is ready before the model's copy is, and NodeSync needs no more.
struct PublishedMesh {
  uint64_t version = 0;
  std::shared_ptr<const mesh::MeshPlan> mesh;
};

using ChangePtr = std::shared_ptr<const mesh::MeshChange>;

class Publisher {
 public:
  // Versions whose changes are kept for resuming agents.
  static constexpr size_t kHistory = 1024;

  // `policy`: the install values inbound policy (the kernel's L4 authorizations) is compiled with.
  explicit Publisher(policy::Options policy = {}) : policy_(std::move(policy)) {}

  // Plans the model and wakes the mesh's waiters, then copies the model for the rest: agents
  // never wait for that copy.
  // `delta`, when given, is what changed since the last published model: only what it touches is
  // planned again.
  void publish(const config::Model& model, const config::MeshDelta* delta = nullptr);
  // The model, its version and its mesh.
  Published current() const;
  // Returns the current state once its version is newer than `seen`, or after `timeout` (then
  // possibly with the same version). Streams use the timeout to notice cancellation.
  Published awaitNewer(uint64_t seen, std::chrono::milliseconds timeout) const;
  // The same for the mesh alone, which may be a version ahead of the model.
  PublishedMesh currentMesh() const;
  PublishedMesh awaitNewerMesh(uint64_t seen, std::chrono::milliseconds timeout) const;
  // The changes of versions from+1 .. to, oldest first; nothing when some left the history.
  std::optional<std::vector<ChangePtr>> changes(uint64_t from, uint64_t to) const;

 private:
  const policy::Options policy_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Published current_;
  PublishedMesh mesh_;
  std::deque<std::pair<uint64_t, ChangePtr>> history_;  // (version, its change), ascending
};

}  // namespace weir::control::nodesync
