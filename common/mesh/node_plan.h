#pragma once

// One node's view of the mesh, free of kernel and wire formats: the service ports with their
// endpoints and the verdict (kernel fast path or node proxy), and the workloads placed on the node.
// Host mode builds it from the config model on the agent; the control plane builds the same plan
// and sends it over NodeSync (common/mesh/node_state_codec.h); the agent compiles a plan into its
// kernel maps (agent/state/compile.h). One selection and verdict logic for both sources.

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/diagnostic.h"
#include "common/config/model.h"

namespace weir::mesh {

struct PlanWorkload {
  std::string id;  // "ns/name", stable across reloads
  std::string ns;
  std::string name;
  std::string cgroup;  // relative to the node's cgroup root
  std::string identity;
  uint32_t ip4 = 0;          // network order; 0 when the workload has no address
  bool fastPathOff = false;  // weir.io/fast-path: "false"
  config::SourceRef src;     // where it was declared (empty when it came over NodeSync)

  bool operator==(const PlanWorkload&) const = default;
};

struct PlanEndpoint {
  std::string id;          // "<service port id>/<workload id>"
  std::string workloadId;  // "ns/name"
  uint32_t ip4 = 0;        // network order
  uint16_t port = 0;       // host order (the resolved targetPort)
  uint32_t weight = 1;
  std::string node;          // where the workload runs ("" = every node, single-host mode)
  bool local = false;        // on this node and meshed here (it has a cgroup)
  bool fastPathOff = false;  // the endpoint's workload opted out of the fast path

  bool operator==(const PlanEndpoint&) const = default;
};

struct PlanServicePort {
  std::string id;  // "ns/name:port"
  std::string ns;
  std::string name;
  uint32_t vip4 = 0;  // network order
  uint16_t port = 0;  // host order
  bool toProxy = false;
  std::vector<PlanEndpoint> endpoints;  // in stable order: dotted address, then port
  config::SourceRef src;

  bool operator==(const PlanServicePort&) const = default;
};

struct NodePlan {
  std::vector<PlanServicePort> servicePorts;
  std::vector<PlanWorkload> workloads;  // placed on this node with a cgroup

  bool operator==(const NodePlan&) const = default;
};

struct PlanOptions {
  std::string node;     // workloads with another weir.io/node are remote
  bool proxy = false;   // a node proxy runs here: ports needing user space go to it
};

struct PlanResult {
  NodePlan plan;
  std::vector<config::Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

// Selects each TCP service port's endpoints (same namespace, selector, targetPort by number or
// name), orders them stably, and decides the verdict: the proxy when one runs here and an endpoint
// is remote or the port is not listed in config.linkerd.io/opaque-ports.
PlanResult plan(const config::Model& model, const PlanOptions& options);

// True when port is in Linkerd's port list annotation ("25,443,4222-4230"). Malformed items match
// nothing.
bool portInList(const std::string& list, uint16_t port);

}  // namespace weir::mesh
