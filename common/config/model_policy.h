#pragma once

// The authorization kinds of weir's configuration model, Linkerd's policy.linkerd.io documents.
// Included by model.h. References between them (a ServerAuthorization's server, a policy's
// targetRef) are kept as written and may name objects that do not exist (yet): Linkerd allows
// that, and the reference takes effect when the object appears.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config/model_values.h"

namespace weir::config {

// Server (policy.linkerd.io v1beta1..v1beta3): a port of the selected workloads.
struct Server {
  std::string ns = "default";
  std::string name;
  std::map<std::string, std::string> labels;  // what a ServerAuthorization's selector matches
  // spec.podSelector, or with externalWorkloads set spec.externalWorkloadSelector (v1beta2+).
  bool externalWorkloads = false;
  LabelSelector selector;
  uint16_t port = 0;                      // spec.port as a number, or
  std::string portName;                   // as the name of a workload's port
  std::string proxyProtocol = "unknown";  // unknown, HTTP/1, HTTP/2, gRPC, opaque or TLS
  // v1beta3's spec.accessPolicy; Linkerd's default is deny: deny, audit, all-authenticated,
  // all-unauthenticated, cluster-authenticated or cluster-unauthenticated.
  std::string accessPolicy = "deny";
  SourceRef src;

  bool operator==(const Server&) const = default;
};

struct ServiceAccountRef {
  std::string ns;  // the authorization's namespace when the document leaves it out
  std::string name;

  bool operator==(const ServiceAccountRef&) const = default;
};

// ServerAuthorization (policy.linkerd.io/v1beta1). Clients are authorized by exactly one of:
// `unauthenticated`, `unauthenticatedTLS`, or a non-empty identities + serviceAccounts.
struct ServerAuthorization {
  std::string ns = "default";
  std::string name;
  std::string server;                           // spec.server.name, or
  std::optional<LabelSelector> serverSelector;  // spec.server.selector over Server labels
  std::vector<Network> networks;                // spec.client.networks; empty: the server's default
  bool unauthenticated = false;                 // spec.client.unauthenticated
  bool unauthenticatedTLS = false;              // spec.client.meshTLS.unauthenticatedTLS
  std::vector<std::string> identities;          // spec.client.meshTLS.identities
  std::vector<ServiceAccountRef> serviceAccounts;  // spec.client.meshTLS.serviceAccounts
  SourceRef src;

  bool operator==(const ServerAuthorization&) const = default;
};

// AuthorizationPolicy (policy.linkerd.io/v1alpha1).
struct AuthorizationPolicy {
  std::string ns = "default";
  std::string name;
  // A Server, HTTPRoute (either group), GRPCRoute or this Namespace.
  ObjectRef targetRef;
  // At most one MeshTLSAuthentication or ServiceAccount, and at most one NetworkAuthentication;
  // empty: no authentication required.
  std::vector<ObjectRef> requiredAuthenticationRefs;
  SourceRef src;

  bool operator==(const AuthorizationPolicy&) const = default;
};

// MeshTLSAuthentication (policy.linkerd.io/v1alpha1): exactly one of the two lists is set.
struct MeshTLSAuthentication {
  std::string ns = "default";
  std::string name;
  std::vector<std::string> identities;  // DNS-like ("*.ns.serviceaccount.identity...") or SPIFFE
  std::vector<ObjectRef> identityRefs;  // ServiceAccounts (name "" = all in ns) or Namespaces
  SourceRef src;

  bool operator==(const MeshTLSAuthentication&) const = default;
};

// NetworkAuthentication (policy.linkerd.io v1alpha1; v1beta1 as the seed writes it).
struct NetworkAuthentication {
  std::string ns = "default";
  std::string name;
  std::vector<Network> networks;  // never empty
  SourceRef src;

  bool operator==(const NetworkAuthentication&) const = default;
};

}  // namespace weir::config
