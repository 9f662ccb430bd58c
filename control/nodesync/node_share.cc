#include "control/nodesync/node_share.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "common/meshwire/codec.h"

namespace weir::control::nodesync {

namespace {

// The first `before` and the last `after` of each entry over a run of changes.
template <typename Ptr>
void compose(const std::vector<std::pair<Ptr, Ptr>>& pairs, std::map<std::string, std::pair<Ptr, Ptr>>& out) {
  for (const auto& [before, after] : pairs) {
    const std::string& id = before ? before->id : after->id;
    auto [it, fresh] = out.try_emplace(id, before, after);
    if (!fresh) {
      it->second.second = after;
    }
  }
}

// Upserts each entry of `after` that is new or differs from its namesake in `before` (which it
// consumes), then deletes what is left of `before`; returns whether it did anything.
template <typename T, typename Upsert, typename Delete>
bool diffById(std::map<std::string, const T*>& before, const std::vector<T>& after, Upsert upsert,
              Delete remove) {
  bool changed = false;
  for (const T& entry : after) {
    auto it = before.find(entry.id);
    if (it == before.end() || !(*it->second == entry)) {
      upsert(entry);
      changed = true;
    }
    if (it != before.end()) {
      before.erase(it);
    }
  }
  for (const auto& [id, entry] : before) {
    remove(id);
    changed = true;
  }
  return changed;
}

bool samePort(const mesh::PlanServicePort& a, const mesh::PlanServicePort& b) {
  return a.ns == b.ns && a.name == b.name && a.vip4 == b.vip4 && a.port == b.port &&
         a.toProxy == b.toProxy;
}

// What a port's change is for this node: the port (with its verdict here) and its endpoints.
bool portDiff(const mesh::PortPtr& before, const mesh::PortPtr& after,
              const mesh::PlanOptions& node, v1::NodeState* upserts, v1::Deletions* deletes) {
  bool changed = false;
  if (!after) {
    deletes->add_service_ports(before->id);
    for (const auto& e : before->endpoints) {
      deletes->add_endpoints(e.id);  // listed too, so every agent view drops them
    }
    return true;
  }
  mesh::PlanServicePort now = mesh::forNode(*after, node);
  std::map<std::string, const mesh::PlanEndpoint*> old;
  if (before) {
    if (!samePort(mesh::forNode(*before, node), now)) {
      meshwire::toWire(now, upserts->add_service_ports());
      changed = true;
    }
    for (const auto& e : before->endpoints) {
      old.emplace(e.id, &e);
    }
  } else {
    meshwire::toWire(now, upserts->add_service_ports());
    changed = true;
  }
  changed |= diffById(
      old, after->endpoints,
      [&](const mesh::PlanEndpoint& e) {
        meshwire::toWire(e, after->id, upserts->add_endpoints());
      },
      [&](const std::string& id) { deletes->add_endpoints(id); });
  return changed;
}

// The node's authorizations before a run of changes, from the mesh after it and the run's
// (first before, last after) pairs: the inbound ports and the client identities as they were.
std::vector<mesh::PlanAuthorization> authorizationsBefore(
    const mesh::MeshPlan& now, const std::string& node,
    const std::map<std::string, std::pair<mesh::InboundPtr, mesh::InboundPtr>>& inbound,
    const std::map<std::string, std::pair<mesh::WorkloadPtr, mesh::WorkloadPtr>>& workloads) {
  std::map<std::string, const mesh::PlanInbound*> ports;
  for (const auto& [id, p] : now.inbound) {
    if (mesh::onNode(p->node, node)) {
      ports.emplace(id, p.get());
    }
  }
  for (const auto& [id, pair] : inbound) {
    ports.erase(id);
    if (pair.first && mesh::onNode(pair.first->node, node)) {
      ports.emplace(id, pair.first.get());
    }
  }
  if (ports.empty()) {
    return {};
  }
  std::map<std::string, int> identities;  // with how many of the node's workloads have each
  auto count = [&](const mesh::WorkloadPtr& w, int n) {
    if (w && mesh::onNode(w->node, node) && !w->identity.empty()) {
      identities[w->identity] += n;
    }
  };
  for (const auto& [id, w] : now.workloads) {
    count(w, 1);
  }
  for (const auto& [id, pair] : workloads) {
    count(pair.second, -1);
    count(pair.first, 1);
  }
  std::set<std::string> present;
  for (const auto& [identity, n] : identities) {
    if (n > 0) {
      present.insert(identity);
    }
  }
  std::vector<const mesh::PlanInbound*> list;
  for (const auto& [id, p] : ports) {
    list.push_back(p);
  }
  return mesh::authorizationsFor(list, present);
}

// Upserts and deletions, by id, that turn `before` into `after` (both sorted by id).
bool authorizationsDiff(const std::vector<mesh::PlanAuthorization>& before,
                        const std::vector<mesh::PlanAuthorization>& after, v1::NodeState* upserts,
                        v1::Deletions* deletes) {
  std::map<std::string, const mesh::PlanAuthorization*> old;
  for (const auto& a : before) {
    old.emplace(a.id, &a);
  }
  return diffById(
      old, after,
      [&](const mesh::PlanAuthorization& a) { meshwire::toWire(a, upserts->add_authorizations()); },
      [&](const std::string& id) { deletes->add_authorizations(id); });
}

}  // namespace

v1::NodeState shareOf(const mesh::MeshPlan& mesh, const mesh::PlanOptions& node) {
  v1::NodeState out;
  *out.mutable_settings() = meshwire::settingsToWire(mesh.defaultVerdict);
  for (const auto& [id, port] : mesh.ports) {
    meshwire::toWire(mesh::forNode(*port, node), out.add_service_ports());
    for (const auto& e : port->endpoints) {
      meshwire::toWire(e, id, out.add_endpoints());
    }
  }
  for (const auto& [id, w] : mesh.workloads) {
    if (mesh::onNode(w->node, node.node)) {
      meshwire::toWire(*w, out.add_workloads());
    }
  }
  for (const auto& a : mesh::nodeAuthorizations(mesh, node.node)) {
    meshwire::toWire(a, out.add_authorizations());
  }
  return out;
}

bool shareDiff(const std::vector<ChangePtr>& changes, const mesh::MeshPlan& now,
               const mesh::PlanOptions& node, v1::NodeState* upserts, v1::Deletions* deletes) {
  std::map<std::string, std::pair<mesh::PortPtr, mesh::PortPtr>> ports;
  std::map<std::string, std::pair<mesh::WorkloadPtr, mesh::WorkloadPtr>> workloads;
  std::map<std::string, std::pair<mesh::InboundPtr, mesh::InboundPtr>> inbound;
  bool changed = false;
  for (const ChangePtr& change : changes) {
    compose(change->ports, ports);
    compose(change->workloads, workloads);
    compose(change->inbound, inbound);
    if (change->defaultVerdict && !upserts->has_settings()) {
      *upserts->mutable_settings() = meshwire::settingsToWire(now.defaultVerdict);
      changed = true;
    }
  }
  for (const auto& [id, pair] : ports) {
    if (pair.first || pair.second) {
      changed |= portDiff(pair.first, pair.second, node, upserts, deletes);
    }
  }
  for (const auto& [id, pair] : workloads) {
    const auto& [before, after] = pair;
    bool was = before && mesh::onNode(before->node, node.node);
    bool is = after && mesh::onNode(after->node, node.node);
    if (is && (!was || !(*before == *after))) {
      meshwire::toWire(*after, upserts->add_workloads());
      changed = true;
    } else if (was && !is) {
      deletes->add_workloads(id);
      changed = true;
    }
  }
  // Authorizations follow the node's inbound ports and its workloads' identities. Without
  // inbound policy now or in the run (no Server, no default policy named) there are none.
  bool nodeWorkloads = std::any_of(workloads.begin(), workloads.end(), [&](const auto& entry) {
    const auto& [before, after] = entry.second;
    return (before && mesh::onNode(before->node, node.node)) ||
           (after && mesh::onNode(after->node, node.node));
  });
  if (!inbound.empty() || (nodeWorkloads && !now.inbound.empty())) {
    changed |= authorizationsDiff(authorizationsBefore(now, node.node, inbound, workloads),
                                  mesh::nodeAuthorizations(now, node.node), upserts, deletes);
  }
  return changed;
}

}  // namespace weir::control::nodesync
