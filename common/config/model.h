#pragma once

// weir's configuration model: what the control plane and the agent's directory mode act on.
// Built from Kubernetes-shaped documents by loader.h; plain values (comparable, so a consumer can
// diff two loads), no behaviour but `selects`.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace weir::config {

// Where an object or field came from.
struct SourceRef {
  std::string file;
  int line = 0;  // 1-based; 0 = unknown

  bool operator==(const SourceRef&) const = default;
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

  bool operator==(const Service&) const = default;
};

struct WorkloadPort {
  std::string name;
  uint16_t port = 0;
  std::string protocol = "TCP";  // TCP or UDP

  bool operator==(const WorkloadPort&) const = default;
};

// Linkerd's ExternalWorkload (workload.linkerd.io/v1beta1): a non-Kubernetes workload in the mesh.
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

  bool operator==(const ExternalWorkload&) const = default;
};

// Every vector is sorted by (ns, name), so equal inputs give equal models.
struct Model {
  std::vector<Service> services;
  std::vector<ExternalWorkload> workloads;

  bool operator==(const Model&) const = default;
};

// Kubernetes Service selector semantics: every selector pair must be in `labels`; an empty
// selector selects nothing.
bool selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels);

}  // namespace weir::config
