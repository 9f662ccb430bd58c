#include "common/mesh/inbound_plan.h"

#include <algorithm>

#include "common/policy/selection.h"

namespace weir::mesh {

PolicyInputs::PolicyInputs(const config::Model& model)
    : servers(model.servers),
      serverAuthorizations(model.serverAuthorizations),
      authorizationPolicies(model.authorizationPolicies),
      meshTLSAuthentications(model.meshTLSAuthentications),
      networkAuthentications(model.networkAuthentications),
      httpRoutes(model.httpRoutes),
      namespaces(model.namespaces) {}

bool PolicyInputs::sameAs(const config::Model& model) const {
  return servers == model.servers && serverAuthorizations == model.serverAuthorizations &&
         authorizationPolicies == model.authorizationPolicies &&
         meshTLSAuthentications == model.meshTLSAuthentications &&
         networkAuthentications == model.networkAuthentications && httpRoutes == model.httpRoutes &&
         namespaces == model.namespaces;
}

void planInbound(const config::Model& model, const config::ExternalWorkload& w,
                 const std::set<uint16_t>& endpointPorts, const policy::Options& options,
                 const std::map<std::string, InboundPtr>* previous,
                 std::map<std::string, InboundPtr>& out) {
  std::vector<uint16_t> servers = policy::serverPorts(model, w);
  std::set<uint16_t> ports(servers.begin(), servers.end());
  if (policy::annotatedDefaultPolicy(model, w)) {
    ports.insert(endpointPorts.begin(), endpointPorts.end());
    for (const config::WorkloadPort& wp : w.ports) {
      if (wp.protocol == "TCP") {
        ports.insert(wp.port);
      }
    }
  }
  std::string workloadId = w.ns + "/" + w.name;
  for (uint16_t port : ports) {
    auto access = policy::portAccess(model, w, port, options);
    if (!access) {
      continue;
    }
    PlanInbound fresh{workloadId + ":" + std::to_string(port), workloadId, w.node, port,
                      std::move(*access)};
    if (previous != nullptr) {
      auto it = previous->find(fresh.id);
      if (it != previous->end() && *it->second == fresh) {
        out[fresh.id] = it->second;
        continue;
      }
    }
    std::string id = fresh.id;
    out[std::move(id)] = std::make_shared<const PlanInbound>(std::move(fresh));
  }
}

std::vector<PlanAuthorization> authorizationsFor(const std::vector<const PlanInbound*>& ports,
                                                 const std::set<std::string>& identities) {
  std::vector<PlanAuthorization> out;
  for (const PlanInbound* p : ports) {
    policy::Verdict fallback = policy::verdictFor(p->access, "");
    out.push_back(PlanAuthorization{p->id + "<-", p->workloadId, p->port, "", fallback});
    for (const std::string& identity : identities) {
      policy::Verdict verdict = policy::verdictFor(p->access, identity);
      if (verdict != fallback) {
        out.push_back(
            PlanAuthorization{p->id + "<-" + identity, p->workloadId, p->port, identity, verdict});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PlanAuthorization& a, const PlanAuthorization& b) { return a.id < b.id; });
  return out;
}

}  // namespace weir::mesh
