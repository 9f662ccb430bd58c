#include "common/meshwire/node_state_view.h"

#include <google/protobuf/util/message_differencer.h>

namespace weir::meshwire {

namespace {

using google::protobuf::util::MessageDifferencer;

template <typename T, typename Repeated>
void upsertAll(std::map<std::string, T>& into, const Repeated& items) {
  for (const auto& item : items) {
    into[item.id()] = item;
  }
}

template <typename T, typename Repeated>
void eraseAll(std::map<std::string, T>& from, const Repeated& ids) {
  for (const auto& id : ids) {
    from.erase(id);
  }
}

template <typename T, typename Repeated>
void copyAll(const std::map<std::string, T>& from, Repeated* into) {
  for (const auto& [id, item] : from) {
    *into->Add() = item;
  }
}

// Appends to `upserts` what is new or changed in `to`, to `deletes` what `to` no longer has.
template <typename T, typename Upserts, typename Deletes>
bool diffMap(const std::map<std::string, T>& from, const std::map<std::string, T>& to,
             Upserts* upserts, Deletes* deletes) {
  bool changed = false;
  for (const auto& [id, item] : to) {
    auto it = from.find(id);
    if (it == from.end() || !MessageDifferencer::Equals(it->second, item)) {
      *upserts->Add() = item;
      changed = true;
    }
  }
  for (const auto& [id, item] : from) {
    if (to.count(id) == 0) {
      deletes->Add(std::string(id));
      changed = true;
    }
  }
  return changed;
}

}  // namespace

void NodeStateView::reset(const v1::NodeState& state) {
  *this = NodeStateView();
  apply(state, v1::Deletions());
}

const std::set<std::string>& NodeStateView::endpointsOf(const std::string& portId) const {
  static const std::set<std::string> kNone;
  auto it = endpointsByPort_.find(portId);
  return it == endpointsByPort_.end() ? kNone : it->second;
}

void NodeStateView::index(const v1::ServiceEndpoint& e, bool add) {
  if (add) {
    endpointsByPort_[e.service_port_id()].insert(e.id());
    return;
  }
  auto it = endpointsByPort_.find(e.service_port_id());
  if (it != endpointsByPort_.end()) {
    it->second.erase(e.id());
    if (it->second.empty()) {
      endpointsByPort_.erase(it);
    }
  }
}

void NodeStateView::apply(const v1::NodeState& upserts, const v1::Deletions& deletes) {
  eraseAll(ports_, deletes.service_ports());
  for (const auto& id : deletes.endpoints()) {
    if (const v1::ServiceEndpoint* e = endpoint(id)) {
      index(*e, false);
    }
  }
  for (const auto& e : upserts.endpoints()) {
    if (const v1::ServiceEndpoint* old = endpoint(e.id())) {
      index(*old, false);
    }
    index(e, true);
  }
  eraseAll(endpoints_, deletes.endpoints());
  eraseAll(workloads_, deletes.workloads());
  eraseAll(authorizations_, deletes.authorizations());
  if (upserts.has_settings()) {
    settings_ = upserts.settings();
  }
  upsertAll(ports_, upserts.service_ports());
  upsertAll(endpoints_, upserts.endpoints());
  upsertAll(workloads_, upserts.workloads());
  upsertAll(authorizations_, upserts.authorizations());
}

v1::NodeState NodeStateView::state() const {
  v1::NodeState out;
  *out.mutable_settings() = settings_;
  copyAll(ports_, out.mutable_service_ports());
  copyAll(endpoints_, out.mutable_endpoints());
  copyAll(workloads_, out.mutable_workloads());
  copyAll(authorizations_, out.mutable_authorizations());
  return out;
}

bool NodeStateView::diff(const NodeStateView& from, const NodeStateView& to,
                         v1::NodeState* upserts, v1::Deletions* deletes) {
  bool changed = false;
  if (!MessageDifferencer::Equals(from.settings_, to.settings_)) {
    *upserts->mutable_settings() = to.settings_;
    changed = true;
  }
  changed |= diffMap(from.ports_, to.ports_, upserts->mutable_service_ports(),
                     deletes->mutable_service_ports());
  changed |= diffMap(from.endpoints_, to.endpoints_, upserts->mutable_endpoints(),
                     deletes->mutable_endpoints());
  changed |= diffMap(from.workloads_, to.workloads_, upserts->mutable_workloads(),
                     deletes->mutable_workloads());
  changed |= diffMap(from.authorizations_, to.authorizations_, upserts->mutable_authorizations(),
                     deletes->mutable_authorizations());
  return changed;
}

}  // namespace weir::meshwire
