#include "common/mesh/node_plan.h"

#include <set>

#include "common/mesh/mesh_plan.h"

namespace weir::mesh {

PlanServicePort forNode(const PlanServicePort& port, const PlanOptions& options) {
  PlanServicePort out = port;
  bool anyRemote = false;
  for (PlanEndpoint& e : out.endpoints) {
    e.local = e.meshed && onNode(e.node, options.node);
    anyRemote = anyRemote || !e.local;
  }
  out.toProxy = options.proxy && (anyRemote || !out.opaque);
  return out;
}

NodePlan nodePlan(const MeshPlan& mesh, const PlanOptions& options) {
  NodePlan out;
  for (const auto& [id, w] : mesh.workloads) {
    if (onNode(w->node, options.node)) {
      out.workloads.push_back(*w);
    }
  }
  out.servicePorts.reserve(mesh.ports.size());
  for (const auto& [id, port] : mesh.ports) {
    out.servicePorts.push_back(forNode(*port, options));
  }
  out.authorizations = nodeAuthorizations(mesh, options.node);
  out.defaultVerdict = mesh.defaultVerdict;
  return out;
}

std::vector<PlanAuthorization> nodeAuthorizations(const MeshPlan& mesh, const std::string& node) {
  std::vector<const PlanInbound*> ports;
  for (const auto& [id, p] : mesh.inbound) {
    if (onNode(p->node, node)) {
      ports.push_back(p.get());
    }
  }
  if (ports.empty()) {
    return {};
  }
  std::set<std::string> identities;
  for (const auto& [id, w] : mesh.workloads) {
    if (onNode(w->node, node) && !w->identity.empty()) {
      identities.insert(w->identity);
    }
  }
  return authorizationsFor(ports, identities);
}

PlanResult plan(const config::Model& model, const PlanOptions& options,
                const policy::Options& policy) {
  MeshPlan mesh = planMesh(model, nullptr, policy);
  return PlanResult{nodePlan(mesh, options), std::move(mesh.errors)};
}

}  // namespace weir::mesh
