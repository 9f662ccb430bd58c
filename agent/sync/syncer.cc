#include "agent/sync/syncer.h"

#include "common/base/log.h"

namespace weir::agent::sync {

namespace {

void add(ApplyStats& total, const kmaps::SyncStats& s) {
  total.updated += s.updated;
  total.deleted += s.deleted;
  total.unchanged += s.unchanged;
}

}  // namespace

Syncer::Syncer(const MapFds& fds)
    : fds_(fds),
      workloads_(fds.workloads, WEIR_MAP_WORKLOADS),
      services_(fds.services, WEIR_MAP_SERVICES),
      backends_(fds.backends, WEIR_MAP_BACKENDS),
      applied_(std::make_shared<state::DesiredState>()) {}

Status Syncer::adopt() {
  for (Status st : {workloads_.adopt(), services_.adopt(), backends_.adopt()}) {
    if (!st) {
      return st;
    }
  }
  weir::logger("sync")->info("adopted workloads={} services={} backends={}",
                             workloads_.current().size(), services_.current().size(),
                             backends_.current().size());
  return {};
}

Result<ApplyStats> Syncer::apply(const state::DesiredState& desired) {
  ApplyStats total;
  uint32_t zero = 0;
  weir_config current{};
  if (bpf_map_lookup_elem(fds_.config, &zero, &current) != 0) {
    return osError(errno, "read map " WEIR_MAP_CONFIG);
  }
  if (!kmaps::sameBytes(current, desired.config)) {
    if (bpf_map_update_elem(fds_.config, &zero, &desired.config, BPF_ANY) != 0) {
      return osError(errno, "update map " WEIR_MAP_CONFIG);
    }
    ++total.updated;
  }
  // Backends before the services that count them; stale backends only after their service
  // stopped counting them.
  auto w = workloads_.sync(desired.workloads);
  if (!w) {
    return w.error();
  }
  add(total, w.value());
  auto bu = backends_.applyUpdates(desired.backends);
  if (!bu) {
    return bu.error();
  }
  add(total, bu.value());
  std::vector<weir_svc_key> removed;
  for (const auto& [key, value] : services_.current()) {
    if (desired.services.count(key) == 0) {
      removed.push_back(key);
    }
  }
  auto s = services_.sync(desired.services);
  if (!s) {
    return s.error();
  }
  add(total, s.value());
  auto bd = backends_.applyDeletes(desired.backends);
  if (!bd) {
    return bd.error();
  }
  add(total, bd.value());
  for (const auto& key : removed) {
    bpf_map_delete_elem(fds_.svcStats, &key);  // a deleted service's counters go with it
  }

  auto snapshot = std::make_shared<const state::DesiredState>(desired);
  std::lock_guard lock(mutex_);
  applied_ = std::move(snapshot);
  return total;
}

std::shared_ptr<const state::DesiredState> Syncer::applied() const {
  std::lock_guard lock(mutex_);
  return applied_;
}

}  // namespace weir::agent::sync
