#pragma once

// Authorizations, compiled as Linkerd's policy controller does: from a default policy, a
// ServerAuthorization, or an AuthorizationPolicy with its MeshTLSAuthentication /
// NetworkAuthentication / ServiceAccount references.

#include <optional>
#include <string>
#include <vector>

#include "common/config/model.h"
#include "common/policy/options.h"
#include "weir/v1/policy.pb.h"

namespace weir::policy {

// Linkerd's metric labels of a policy object: <prefix>group, <prefix>kind, <prefix>name
// ("srv_" for servers, "authz_" for authorizations; kinds in lower case as Linkerd writes them).
void setMetricLabels(google::protobuf::Map<std::string, std::string>& labels,
                     const std::string& prefix, const std::string& group, const std::string& kind,
                     const std::string& name);

// all-unauthenticated, all-authenticated, cluster-unauthenticated, cluster-authenticated,
// deny, audit.
bool isDefaultPolicy(const std::string& name);

// The authorization a default policy grants; none for "deny". "audit" lets every client in
// (the proxy logs what a deny would have refused).
std::optional<v1::Authorization> defaultAuthorization(const std::string& policy,
                                                      const Options& options);

// Empty networks mean the cluster networks (Linkerd's server default). `unauthenticatedTLS`
// ("TLS without a client identity") has no form of its own in weir.v1: it is sent as "any mesh
// identity", which admits fewer clients than Linkerd does, never more.
v1::Authorization serverAuthorization(const config::ServerAuthorization& saz,
                                      const Options& options);

// Nothing when a referenced authentication does not exist (yet): Linkerd ignores such a policy
// until it does. No network reference means every network; no identity reference, no
// authentication.
std::optional<v1::Authorization> policyAuthorization(const config::Model& model,
                                                     const config::AuthorizationPolicy& policy,
                                                     const Options& options);

// Whether the ServerAuthorization selects the Server (by name or by the Server's labels).
bool selectsServer(const config::ServerAuthorization& saz, const config::Server& server);
// Whether the AuthorizationPolicy applies to the Server itself or to its whole namespace.
bool targetsServer(const config::AuthorizationPolicy& policy, const config::Server& server);
bool targetsRoute(const config::AuthorizationPolicy& policy, const config::HttpRoute& route);
// Whether the HTTPRoute names the Server (policy.linkerd.io) as a parent.
bool attachedTo(const config::HttpRoute& route, const config::Server& server);

// A Server's connection-level authorizations, in the order the proxy gets them: its
// ServerAuthorizations, the AuthorizationPolicies on it or on its namespace, then what its
// accessPolicy grants.
std::vector<v1::Authorization> serverAuthorizations(const config::Model& model,
                                                    const config::Server& server,
                                                    const Options& options);
// The AuthorizationPolicies targeting an HTTPRoute: they admit requests of that route only.
std::vector<v1::Authorization> routeAuthorizations(const config::Model& model,
                                                   const config::HttpRoute& route,
                                                   const Options& options);

}  // namespace weir::policy
