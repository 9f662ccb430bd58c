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
#include "common/policy/l4.h"
#include "common/policy/port_list.h"

namespace weir::mesh {

// What the node proxy and the kernel need of a workload beyond where it is: Linkerd's
// config.linkerd.io/skip-{outbound,inbound}-ports (numbers and ranges, inclusive) and the
// outbound pool settings (0: the proxy's default).
struct WorkloadProxy {
  std::vector<std::pair<uint16_t, uint16_t>> skipOutbound;
  std::vector<std::pair<uint16_t, uint16_t>> skipInbound;
  uint32_t maxIdleConnsPerHost = 0;
  uint32_t maxRequestsPerConnection = 0;

  bool operator==(const WorkloadProxy&) const = default;
};

struct PlanWorkload {
  std::string id;  // "ns/name", stable across reloads
  std::string ns;
  std::string name;
  std::string cgroup;  // relative to the node's cgroup root
  std::string identity;
  uint32_t ip4 = 0;          // network order; 0 when the workload has no address
  bool fastPathOff = false;  // weir.io/fast-path: "false"
  config::SourceRef src;     // where it was declared (empty when it came over NodeSync)
  std::string node;          // where it runs ("" = every node, single-host mode)
  WorkloadProxy proxy;

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
  bool meshed = false;       // its workload has a cgroup: local on the node it runs on

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
  bool opaque = false;  // listed in config.linkerd.io/opaque-ports

  bool operator==(const PlanServicePort&) const = default;
};

// One compiled L4 authorization (weir.v1 L4Authorization): connections from workloads of this
// node with `clientIdentity` to `port` of the server workload get `verdict`.
struct PlanAuthorization {
  std::string id;              // "<workload id>:<port><-<client identity>"
  std::string workloadId;      // the server: a workload placed on this node
  uint16_t port = 0;           // host order: the port the client's connect reaches
  std::string clientIdentity;  // "": every identity without an entry of its own
  policy::Verdict verdict = policy::Verdict::kProxy;

  bool operator==(const PlanAuthorization&) const = default;
};

struct NodePlan {
  std::vector<PlanServicePort> servicePorts;
  std::vector<PlanWorkload> workloads;            // placed on this node with a cgroup
  std::vector<PlanAuthorization> authorizations;  // by id
  // For ports with no authorization entry: the cluster's default inbound policy compiled.
  policy::Verdict defaultVerdict = policy::Verdict::kProxy;

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
// is remote or the port is not listed in config.linkerd.io/opaque-ports. Compiles the L4
// authorizations of the node's workloads for the identities of the node's workloads
// (inbound_plan.h). The same as nodePlan(planMesh(model), options) (mesh_plan.h), which plans
// every node at once.
// `policy`: Linkerd's install values the inbound policy is compiled with.
PlanResult plan(const config::Model& model, const PlanOptions& options,
                const policy::Options& policy = {});

// Whether a workload (or endpoint) running on `workloadNode` is on `node`.
inline bool onNode(const std::string& workloadNode, const std::string& node) {
  return workloadNode.empty() || workloadNode == node;
}

// A node-independent service port (mesh_plan.h) as `options.node` sees it: which endpoints are
// local, and the verdict.
PlanServicePort forNode(const PlanServicePort& port, const PlanOptions& options);

using policy::portInList;

}  // namespace weir::mesh
