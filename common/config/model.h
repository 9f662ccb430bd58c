#pragma once

// weir's configuration model: what the control plane and the agent's directory mode act on.
// Built from Kubernetes-shaped documents by loader.h; plain values (comparable, so a consumer can
// diff two loads), no behaviour but `selects` and `matches`. The routing and policy kinds are in
// model_traffic.h and model_policy.h, the values they share in model_values.h.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config/model_policy.h"
#include "common/config/model_traffic.h"
#include "common/config/model_values.h"

namespace weir::config {

// The Linkerd annotations weir acts on, typed and checked. metadata.annotations keeps every
// annotation as written besides, the proxy tuning ones (config.linkerd.io/proxy-cpu-request,
// ...) included. Each kind reads only those Linkerd honours on it: a Namespace all of them; a
// Service opaque-ports (numbers and ranges only) and load-balancer; an ExternalWorkload
// opaque-ports, skip-inbound/outbound-ports and the proxy's outbound pool settings (weir's
// node proxy serves external workloads as Linkerd's sidecar serves pods); a Pod all but
// load-balancer. Unset fields are empty.
struct MeshAnnotations {
  std::string inject;        // linkerd.io/inject: enabled, disabled or ingress
  std::string loadBalancer;  // linkerd.io/load-balancer: ewma, p2c or round-robin
  // Absent and empty differ: an empty list overrides Linkerd's default opaque ports.
  std::optional<PortList> opaquePorts;        // config.linkerd.io/opaque-ports
  std::optional<PortList> skipInboundPorts;   // config.linkerd.io/skip-inbound-ports
  std::optional<PortList> skipOutboundPorts;  // config.linkerd.io/skip-outbound-ports
  std::string traceCollector;                 // config.linkerd.io/trace-collector (host:port)
  // The proxy's connection pools for this workload's outbound traffic (workloads and pods):
  // config.linkerd.io/proxy-outbound-max-idle-conns-per-host and
  // config.linkerd.io/proxy-outbound-max-requests-per-connection. Unset: the proxy's defaults.
  std::optional<uint32_t> outboundMaxIdleConnsPerHost;
  std::optional<uint32_t> outboundMaxRequestsPerConnection;

  bool operator==(const MeshAnnotations&) const = default;
};

struct ServicePort {
  std::string name;
  uint16_t port = 0;
  std::string protocol = "TCP";  // TCP, UDP or SCTP
  // The backend port. A number (targetPortName empty), or a name (targetPort 0) that each
  // workload resolves against its own WorkloadPort names. Absent in the document => `port`.
  uint16_t targetPort = 0;
  std::string targetPortName;

  bool operator==(const ServicePort&) const = default;
};

struct Service {
  std::string ns = "default";
  std::string name;
  uint32_t clusterIP = 0;  // network byte order; 0 when "None" or absent (headless: not steered)
  std::vector<ServicePort> ports;
  std::map<std::string, std::string> selector, labels, annotations;
  SourceRef src;  // the document
  MeshAnnotations mesh;

  bool operator==(const Service&) const = default;
};

struct WorkloadPort {
  std::string name;
  uint16_t port = 0;
  std::string protocol = "TCP";  // TCP or UDP; a Pod's also SCTP

  bool operator==(const WorkloadPort&) const = default;
};

// Linkerd's ExternalWorkload (workload.linkerd.io/v1beta1): a non-Kubernetes workload in the mesh.
// The Kubernetes source also models each core v1 Pod that can take connections (Running, with an
// IPv4 address, not hostNetwork) as one of these; podUid tells them apart. For a pod: ips are
// status.podIPs (IPv4 ones), ports spec.containers[].ports, node spec.nodeName, and cgroup stays
// empty, because the agent finds a pod by its UID (kubelet's pod<uid> cgroup).
struct ExternalWorkload {
  std::string ns = "default";
  std::string name;
  std::map<std::string, std::string> labels, annotations;
  std::vector<uint32_t> ips;  // network byte order, from spec.workloadIPs[].ip
  std::vector<WorkloadPort> ports;
  std::string identity;    // spec.meshTLS.identity
  std::string serverName;  // spec.meshTLS.serverName
  std::string cgroup;      // annotation weir.io/cgroup: relative to the agent's cgroup root
  std::string node;        // annotation weir.io/node; "" = every node
  uint32_t weight = 1;     // annotation weir.io/weight, 1..1000000
  SourceRef src;           // the document
  MeshAnnotations mesh;
  // Pods only (empty/true for an ExternalWorkload):
  std::string podUid;          // metadata.uid; set exactly for pods
  std::string serviceAccount;  // spec.serviceAccountName, "default" when unset
  // Whether the workload is in the mesh. A pod is when linkerd.io/inject on it, or else on its
  // Namespace, is "enabled" or "ingress"; then identity and serverName are
  // <serviceAccount>.<ns>.serviceaccount.identity.linkerd.cluster.local. An unmeshed pod is still
  // an endpoint of the services selecting it, but is never placed (enrolled) and has no identity.
  bool meshed = true;
  // The pod's Ready condition is True and it is not being deleted. A pod that is not ready is
  // still placed when meshed (its own connections stay in the mesh while it starts or drains),
  // but is not an endpoint, as Kubernetes leaves it out of EndpointSlices.
  bool ready = true;

  bool operator==(const ExternalWorkload&) const = default;
};

// A Namespace: its annotations set defaults for the workloads in it (linkerd.io/inject, ...).
struct Namespace {
  std::string name;
  std::map<std::string, std::string> labels, annotations;
  MeshAnnotations mesh;
  SourceRef src;

  bool operator==(const Namespace&) const = default;
};

// A ServiceAccount: the identity of the workloads that run as it.
struct ServiceAccount {
  std::string ns = "default";
  std::string name;
  SourceRef src;

  bool operator==(const ServiceAccount&) const = default;
};

// Every vector is sorted by (ns, name) (namespaces by name; HTTP routes by (ns, name, group)),
// so equal inputs give equal models.
struct Model {
  std::vector<Service> services;
  std::vector<ExternalWorkload> workloads;
  std::vector<Namespace> namespaces;
  std::vector<ServiceAccount> serviceAccounts;
  std::vector<ServiceProfile> serviceProfiles;
  std::vector<TrafficSplit> trafficSplits;
  std::vector<HttpRoute> httpRoutes;
  std::vector<Server> servers;
  std::vector<ServerAuthorization> serverAuthorizations;
  std::vector<AuthorizationPolicy> authorizationPolicies;
  std::vector<MeshTLSAuthentication> meshTLSAuthentications;
  std::vector<NetworkAuthentication> networkAuthentications;

  bool operator==(const Model&) const = default;
};

// Kubernetes Service selector semantics: every selector pair must be in `labels`; an empty
// selector selects nothing.
bool selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels);

// Label selector semantics (the policy kinds): matchLabels and every matchExpressions entry must
// hold; an empty selector selects everything.
bool matches(const LabelSelector& selector, const std::map<std::string, std::string>& labels);

}  // namespace weir::config
