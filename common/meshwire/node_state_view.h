#pragma once

// A NodeState held as id-keyed entries, so NodeSync can move it by diffs: the server computes the
// upserts and deletions between what a node has and what it should have; the agent applies them
// (deletions first) to what it has.

#include <map>
#include <set>
#include <string>

#include "weir/v1/nodesync.pb.h"

namespace weir::meshwire {

class NodeStateView {
 public:
  NodeStateView() = default;
  explicit NodeStateView(const v1::NodeState& state) { reset(state); }

  void reset(const v1::NodeState& state);
  void apply(const v1::NodeState& upserts, const v1::Deletions& deletes);
  v1::NodeState state() const;

  // Fills `upserts` and `deletes` with what turns `from` into `to`; returns whether anything
  // differs. Cost is linear in the two states; only changed entries are emitted.
  static bool diff(const NodeStateView& from, const NodeStateView& to, v1::NodeState* upserts,
                   v1::Deletions* deletes);

  // Lookups by id; null when absent.
  const v1::ServicePort* port(const std::string& id) const { return find(ports_, id); }
  const v1::ServiceEndpoint* endpoint(const std::string& id) const { return find(endpoints_, id); }
  const v1::Workload* workload(const std::string& id) const { return find(workloads_, id); }
  const std::map<std::string, v1::L4Authorization>& authorizations() const {
    return authorizations_;
  }
  // The ids of the endpoints naming a service port.
  const std::set<std::string>& endpointsOf(const std::string& portId) const;

  size_t size() const {
    return ports_.size() + endpoints_.size() + workloads_.size() + authorizations_.size();
  }

 private:
  template <typename T>
  static const T* find(const std::map<std::string, T>& in, const std::string& id) {
    auto it = in.find(id);
    return it == in.end() ? nullptr : &it->second;
  }
  void index(const v1::ServiceEndpoint& e, bool add);

  v1::NodeSettings settings_;
  std::map<std::string, std::set<std::string>> endpointsByPort_;
  std::map<std::string, v1::ServicePort> ports_;
  std::map<std::string, v1::ServiceEndpoint> endpoints_;
  std::map<std::string, v1::Workload> workloads_;
  std::map<std::string, v1::L4Authorization> authorizations_;
};

}  // namespace weir::meshwire
