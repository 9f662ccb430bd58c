#include "common/policy/authz.h"

#include <array>
#include <vector>

#include "common/policy/origin.h"
#include "common/policy/clients.h"

namespace weir::policy {

namespace {

constexpr char kPolicyGroup[] = "policy.linkerd.io";

void setLabels(v1::Authorization& authz, const std::string& group, const std::string& kind,
               const std::string& name) {
  setMetricLabels(*authz.mutable_labels(), "authz_", group, kind, name);
}

v1::Origin policyOrigin(const std::string& kind, const std::string& ns, const std::string& name) {
  v1::ResourceRef ref;
  ref.set_group(kPolicyGroup);
  ref.set_kind(kind);
  ref.set_namespace_(ns);
  ref.set_name(name);
  return resourceOrigin(std::move(ref));
}

template <typename Networks>
void setNetworks(v1::Authorization& authz, const Networks& networks) {
  for (const v1::Network& net : networks) {
    *authz.add_networks() = net;
  }
}

// The object of `objects` (a model list) that `ref` names, or null.
template <typename T>
const T* findNamed(const std::vector<T>& objects, const config::ObjectRef& ref) {
  for (const T& object : objects) {
    if (object.ns == ref.ns && object.name == ref.name) {
      return &object;
    }
  }
  return nullptr;
}

void addMeshTls(const config::MeshTLSAuthentication& authn, const Options& options,
                v1::Authentication::MeshTls& out) {
  for (const std::string& identity : authn.identities) {
    addIdentity(identity, out);
  }
  for (const config::ObjectRef& ref : authn.identityRefs) {
    if (ref.kind == "ServiceAccount" && !ref.name.empty()) {
      out.add_identities(serviceAccountIdentity(options, ref.ns, ref.name));
    } else if (ref.kind == "ServiceAccount") {
      out.add_suffixes(namespaceIdentitySuffix(options, ref.ns));  // every account of ref.ns
    } else if (ref.kind == "Namespace") {
      out.add_suffixes(namespaceIdentitySuffix(options, ref.name.empty() ? ref.ns : ref.name));
    }
  }
}

}  // namespace

void setMetricLabels(google::protobuf::Map<std::string, std::string>& labels,
                     const std::string& prefix, const std::string& group, const std::string& kind,
                     const std::string& name) {
  labels[prefix + "group"] = group;
  labels[prefix + "kind"] = kind;
  labels[prefix + "name"] = name;
}

bool isDefaultPolicy(const std::string& name) {
  static constexpr std::array<const char*, 6> kNames = {"all-unauthenticated",
                                                        "all-authenticated",
                                                        "cluster-unauthenticated",
                                                        "cluster-authenticated",
                                                        "deny",
                                                        "audit"};
  for (const char* known : kNames) {
    if (name == known) {
      return true;
    }
  }
  return false;
}

std::optional<v1::Authorization> defaultAuthorization(const std::string& policy,
                                                      const Options& options) {
  if (!isDefaultPolicy(policy) || policy == "deny") {
    return std::nullopt;
  }
  v1::Authorization authz;
  *authz.mutable_origin() = defaultOrigin(policy);
  setNetworks(authz, policy.starts_with("cluster-") ? clusterNetworks(options) : allNetworks());
  if (policy.ends_with("-authenticated")) {
    authz.mutable_authentication()->mutable_mesh_tls()->add_suffixes("");  // any identity
  } else {
    authz.mutable_authentication()->mutable_unauthenticated();
  }
  setLabels(authz, "", "default", policy);
  return authz;
}

v1::Authorization serverAuthorization(const config::ServerAuthorization& saz,
                                      const Options& options) {
  v1::Authorization authz;
  *authz.mutable_origin() = policyOrigin("ServerAuthorization", saz.ns, saz.name);
  if (saz.networks.empty()) {
    setNetworks(authz, clusterNetworks(options));
  }
  for (const config::Network& net : saz.networks) {
    *authz.add_networks() = network(net);
  }
  v1::Authentication& authn = *authz.mutable_authentication();
  if (saz.unauthenticated) {
    authn.mutable_unauthenticated();
  } else if (saz.unauthenticatedTLS) {
    authn.mutable_mesh_tls()->add_suffixes("");
  } else {
    v1::Authentication::MeshTls& mtls = *authn.mutable_mesh_tls();
    for (const std::string& identity : saz.identities) {
      addIdentity(identity, mtls);
    }
    for (const config::ServiceAccountRef& sa : saz.serviceAccounts) {
      mtls.add_identities(serviceAccountIdentity(options, sa.ns, sa.name));
    }
  }
  setLabels(authz, kPolicyGroup, "serverauthorization", saz.name);
  return authz;
}

std::optional<v1::Authorization> policyAuthorization(const config::Model& model,
                                                     const config::AuthorizationPolicy& policy,
                                                     const Options& options) {
  v1::Authorization authz;
  *authz.mutable_origin() = policyOrigin("AuthorizationPolicy", policy.ns, policy.name);
  bool identified = false;
  bool networked = false;
  for (const config::ObjectRef& ref : policy.requiredAuthenticationRefs) {
    if (ref.kind == "MeshTLSAuthentication") {
      const config::MeshTLSAuthentication* authn = findNamed(model.meshTLSAuthentications, ref);
      if (authn == nullptr) {
        return std::nullopt;
      }
      addMeshTls(*authn, options, *authz.mutable_authentication()->mutable_mesh_tls());
      identified = true;
    } else if (ref.kind == "ServiceAccount") {
      authz.mutable_authentication()->mutable_mesh_tls()->add_identities(
          serviceAccountIdentity(options, ref.ns, ref.name));
      identified = true;
    } else if (ref.kind == "NetworkAuthentication") {
      const config::NetworkAuthentication* authn = findNamed(model.networkAuthentications, ref);
      if (authn == nullptr) {
        return std::nullopt;
      }
      for (const config::Network& net : authn->networks) {
        *authz.add_networks() = network(net);
      }
      networked = true;
    }
  }
  if (!identified) {
    authz.mutable_authentication()->mutable_unauthenticated();
  }
  if (!networked) {
    setNetworks(authz, allNetworks());
  }
  setLabels(authz, kPolicyGroup, "authorizationpolicy", policy.name);
  return authz;
}

bool selectsServer(const config::ServerAuthorization& saz, const config::Server& server) {
  if (saz.ns != server.ns) {
    return false;
  }
  return saz.serverSelector ? config::matches(*saz.serverSelector, server.labels)
                            : saz.server == server.name;
}

bool targetsServer(const config::AuthorizationPolicy& policy, const config::Server& server) {
  const config::ObjectRef& target = policy.targetRef;
  if (policy.ns != server.ns) {
    return false;
  }
  if (target.kind == "Namespace") {
    return target.name == policy.ns;
  }
  return target.group == kPolicyGroup && target.kind == "Server" && target.ns == server.ns &&
         target.name == server.name;
}

bool targetsRoute(const config::AuthorizationPolicy& policy, const config::HttpRoute& route) {
  const config::ObjectRef& target = policy.targetRef;
  return policy.ns == route.ns && target.kind == "HTTPRoute" && target.group == route.group &&
         target.ns == route.ns && target.name == route.name;
}

bool attachedTo(const config::HttpRoute& route, const config::Server& server) {
  if (route.ns != server.ns) {
    return false;
  }
  for (const config::HttpParentRef& parent : route.parentRefs) {
    if (parent.ref.group == kPolicyGroup && parent.ref.kind == "Server" &&
        parent.ref.ns == server.ns && parent.ref.name == server.name) {
      return true;
    }
  }
  return false;
}

namespace {

// Appends the authorizations of the AuthorizationPolicies `targets` picks, in the model's order.
template <typename Targets>
void addPolicies(const config::Model& model, const Options& options,
                 std::vector<v1::Authorization>& out, Targets targets) {
  for (const config::AuthorizationPolicy& policy : model.authorizationPolicies) {
    if (targets(policy)) {
      if (auto authz = policyAuthorization(model, policy, options)) {
        out.push_back(std::move(*authz));
      }
    }
  }
}

}  // namespace

std::vector<v1::Authorization> serverAuthorizations(const config::Model& model,
                                                    const config::Server& server,
                                                    const Options& options) {
  std::vector<v1::Authorization> out;
  for (const config::ServerAuthorization& saz : model.serverAuthorizations) {
    if (selectsServer(saz, server)) {
      out.push_back(serverAuthorization(saz, options));
    }
  }
  addPolicies(model, options, out, [&](const config::AuthorizationPolicy& policy) {
    return targetsServer(policy, server);
  });
  if (auto authz = defaultAuthorization(server.accessPolicy, options)) {
    out.push_back(std::move(*authz));
  }
  return out;
}

std::vector<v1::Authorization> routeAuthorizations(const config::Model& model,
                                                   const config::HttpRoute& route,
                                                   const Options& options) {
  std::vector<v1::Authorization> out;
  addPolicies(model, options, out, [&](const config::AuthorizationPolicy& policy) {
    return targetsRoute(policy, route);
  });
  return out;
}

}  // namespace weir::policy
