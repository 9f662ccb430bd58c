#pragma once

// Inbound policy in the mesh plan, for the kernel fast path. Node-independent part: each port of
// a workload with a cgroup that has a policy of its own (a Server selects it, or a default
// policy other than the cluster's applies), reduced to what a client's identity decides
// (policy::PortAccess). Per node: those of the node's workloads, expanded against the identities
// of the node's workloads — only same-node clients ever take the fast path.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/config/model.h"
#include "common/mesh/node_plan.h"
#include "common/policy/l4.h"
#include "common/policy/options.h"

namespace weir::mesh {

struct PlanInbound {
  std::string id;          // "<workload id>:<port>"
  std::string workloadId;  // "ns/name"
  std::string node;        // the workload's node ("" = every node)
  uint16_t port = 0;
  policy::PortAccess access;

  bool operator==(const PlanInbound&) const = default;
};

using InboundPtr = std::shared_ptr<const PlanInbound>;

// The objects inbound policy is compiled from besides the workloads. While they stay equal, a
// new version compiles only the ports of the workloads that changed.
struct PolicyInputs {
  std::vector<config::Server> servers;
  std::vector<config::ServerAuthorization> serverAuthorizations;
  std::vector<config::AuthorizationPolicy> authorizationPolicies;
  std::vector<config::MeshTLSAuthentication> meshTLSAuthentications;
  std::vector<config::NetworkAuthentication> networkAuthentications;
  std::vector<config::HttpRoute> httpRoutes;
  std::vector<config::Namespace> namespaces;

  explicit PolicyInputs(const config::Model& model);
  // Whether `model` holds exactly these objects (compared in place, nothing copied).
  bool sameAs(const config::Model& model) const;
};

// Plans the inbound ports of `w` into `out`: the ports Servers select, and when the workload or
// its namespace names a default policy, its declared ports and `endpointPorts` (the ports its
// services reach it on). Entries equal to `previous`'s are `previous`'s pointers.
void planInbound(const config::Model& model, const config::ExternalWorkload& w,
                 const std::set<uint16_t>& endpointPorts, const policy::Options& options,
                 const std::map<std::string, InboundPtr>* previous,
                 std::map<std::string, InboundPtr>& out);

// The L4 authorizations of `ports` (a node's) for the clients `identities` (the node's workloads'),
// by id: per port its default entry (client identity "") and an entry for each identity whose
// verdict differs from it.
std::vector<PlanAuthorization> authorizationsFor(const std::vector<const PlanInbound*>& ports,
                                                 const std::set<std::string>& identities);

}  // namespace weir::mesh
