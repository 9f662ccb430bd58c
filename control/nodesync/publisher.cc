#include "control/nodesync/publisher.h"

namespace weir::control::nodesync {

void Publisher::publish(const config::Model& model, const config::MeshDelta* delta) {
  std::shared_ptr<const mesh::MeshPlan> before = currentMesh().mesh;
  auto planned = std::make_shared<const mesh::MeshPlan>(
      before && delta ? mesh::replanMesh(model, *before, *delta, policy_)
                      : mesh::planMesh(model, before.get(), policy_));
  auto change = std::make_shared<const mesh::MeshChange>(
      mesh::changesBetween(before ? *before : mesh::MeshPlan{}, *planned));
  uint64_t version = 0;
  {
    std::lock_guard lock(mutex_);
    version = ++mesh_.version;
    mesh_.mesh = planned;
    history_.emplace_back(version, std::move(change));
    if (history_.size() > kHistory) {
      history_.pop_front();
    }
  }
  changed_.notify_all();
  auto shared = std::make_shared<const config::Model>(model);
  {
    std::lock_guard lock(mutex_);
    current_ = Published{version, std::move(shared), std::move(planned)};
  }
  changed_.notify_all();
}

PublishedMesh Publisher::currentMesh() const {
  std::lock_guard lock(mutex_);
  return mesh_;
}

PublishedMesh Publisher::awaitNewerMesh(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return mesh_.version > seen; });
  return mesh_;
}

Published Publisher::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

Published Publisher::awaitNewer(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return current_.version > seen; });
  return current_;
}

std::optional<std::vector<ChangePtr>> Publisher::changes(uint64_t from, uint64_t to) const {
  std::lock_guard lock(mutex_);
  if (from > to || to > mesh_.version) {
    return std::nullopt;
  }
  std::vector<ChangePtr> out;
  if (from == to) {
    return out;
  }
  if (history_.empty() || history_.front().first > from + 1) {
    return std::nullopt;
  }
  size_t first = static_cast<size_t>(from + 1 - history_.front().first);
  for (size_t i = first; i < history_.size() && history_[i].first <= to; ++i) {
    out.push_back(history_[i].second);
  }
  return out;
}

}  // namespace weir::control::nodesync
