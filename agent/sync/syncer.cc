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
      authz_(fds.authz, WEIR_MAP_AUTHZ),
      skipOut_(fds.skipOut, WEIR_MAP_SKIP_OUT),
      applied_(std::make_shared<state::Names>()) {}

Status Syncer::adopt() {
  for (Status st : {workloads_.adopt(), services_.adopt(), backends_.adopt(), authz_.adopt(),
                    skipOut_.adopt()}) {
    if (!st) {
      return st;
    }
  }
  weir::logger("sync")->info("adopted workloads={} services={} backends={} authz={}",
                             workloads_.current().size(), services_.current().size(),
                             backends_.current().size(), authz_.current().size());
  return {};
}

Result<ApplyStats> Syncer::apply(const state::DesiredState& desired,
                                 const state::Touched* touched) {
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
  // Authorizations that narrow, then those that widen (syncer.h).
  for (bool widen : {false, true}) {
    auto au = authz_.applyUpdatesIf(desired.authz, [widen](const weir_authz& a) {
      return (a.verdict == WEIR_AUTHZ_ALLOW) == widen;
    });
    if (!au) {
      return au.error();
    }
    add(total, au.value());
  }
  // Backends before the services that count them; stale backends only after their service
  // stopped counting them.
  if (touched == nullptr) {
    // A workload's skip entries before the flag that makes connect4 look them up, and stale
    // ones only after the flag is gone.
    auto skipNew = skipOut_.applyUpdates(desired.skipOut);
    if (!skipNew) {
      return skipNew.error();
    }
    add(total, skipNew.value());
    auto w = workloads_.sync(desired.workloads);
    if (!w) {
      return w.error();
    }
    add(total, w.value());
    auto skipOld = skipOut_.applyDeletes(desired.skipOut);
    if (!skipOld) {
      return skipOld.error();
    }
    add(total, skipOld.value());
  }
  auto bu = touched ? backends_.applyUpdates(desired.backends, touched->backends)
                    : backends_.applyUpdates(desired.backends);
  if (!bu) {
    return bu.error();
  }
  add(total, bu.value());
  std::vector<weir_svc_key> removed;
  if (touched) {
    for (const auto& key : touched->services) {
      if (desired.services.count(key) == 0 && services_.current().count(key) != 0) {
        removed.push_back(key);
      }
    }
  } else {
    for (const auto& [key, value] : services_.current()) {
      if (desired.services.count(key) == 0) {
        removed.push_back(key);
      }
    }
  }
  auto su = touched ? services_.applyUpdates(desired.services, touched->services)
                    : services_.applyUpdates(desired.services);
  if (!su) {
    return su.error();
  }
  add(total, su.value());
  auto sd = touched ? services_.applyDeletes(desired.services, touched->services)
                    : services_.applyDeletes(desired.services);
  if (!sd) {
    return sd.error();
  }
  add(total, sd.value());
  auto bd = touched ? backends_.applyDeletes(desired.backends, touched->backends)
                    : backends_.applyDeletes(desired.backends);
  if (!bd) {
    return bd.error();
  }
  add(total, bd.value());
  for (const auto& key : removed) {
    bpf_map_delete_elem(fds_.svcStats, &key);  // a deleted service's counters go with it
  }
  auto ad = authz_.applyDeletes(desired.authz);
  if (!ad) {
    return ad.error();
  }
  add(total, ad.value());

  // Names change when services or workloads come and go, not with weights: copy them only then.
  std::shared_ptr<const state::Names> names = applied();
  if (names->workloadMeta != desired.workloadMeta || names->serviceMeta != desired.serviceMeta) {
    auto fresh = std::make_shared<const state::Names>(
        state::Names{desired.workloadMeta, desired.serviceMeta});
    std::lock_guard lock(mutex_);
    applied_ = std::move(fresh);
  }
  return total;
}

std::shared_ptr<const state::Names> Syncer::applied() const {
  std::lock_guard lock(mutex_);
  return applied_;
}

}  // namespace weir::agent::sync
