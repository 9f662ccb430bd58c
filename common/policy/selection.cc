#include "common/policy/selection.h"

#include <algorithm>

#include "common/policy/port_list.h"
#include "common/policy/authz.h"

namespace weir::policy {

namespace {

constexpr char kDefaultPolicy[] = "config.linkerd.io/default-inbound-policy";
constexpr char kRequireIdentity[] = "config.linkerd.io/proxy-require-identity-on-inbound-ports";

bool serverSelectsPort(const config::Server& server, const config::ExternalWorkload& w,
                       uint16_t port) {
  if (server.portName.empty()) {
    return server.port == port;
  }
  for (const config::WorkloadPort& wp : w.ports) {
    if (wp.name == server.portName && wp.port == port) {
      return true;
    }
  }
  return false;
}

// The workload's annotation when it has it, else its namespace's; "" when neither has.
std::string inherited(const config::Model& model, const config::ExternalWorkload* w,
                      const std::string& ns, const char* key) {
  if (w != nullptr) {
    if (auto it = w->annotations.find(key); it != w->annotations.end()) {
      return it->second;
    }
  }
  const config::Namespace* n = findNamespace(model, ns);
  if (n == nullptr) {
    return std::string();
  }
  auto it = n->annotations.find(key);
  return it == n->annotations.end() ? std::string() : it->second;
}

}  // namespace

const config::Namespace* findNamespace(const config::Model& model, const std::string& name) {
  // Namespaces are sorted by name.
  auto it = std::lower_bound(
      model.namespaces.begin(), model.namespaces.end(), name,
      [](const config::Namespace& n, const std::string& wanted) { return n.name < wanted; });
  return it != model.namespaces.end() && it->name == name ? &*it : nullptr;
}

const config::Server* serverFor(const config::Model& model, const config::ExternalWorkload& w,
                                uint16_t port) {
  // Servers are sorted by (namespace, name): the first match is Linkerd's tie-break by name.
  auto it =
      std::lower_bound(model.servers.begin(), model.servers.end(), w.ns,
                       [](const config::Server& s, const std::string& ns) { return s.ns < ns; });
  for (; it != model.servers.end() && it->ns == w.ns; ++it) {
    if (config::matches(it->selector, w.labels) && serverSelectsPort(*it, w, port)) {
      return &*it;
    }
  }
  return nullptr;
}

std::string defaultPolicyFor(const config::Model& model, const config::ExternalWorkload* w,
                             const std::string& ns, uint16_t port, const Options& options) {
  // Linkerd ignores an annotation it cannot read and falls back to the cluster's default.
  std::string policy = inherited(model, w, ns, kDefaultPolicy);
  if (!isDefaultPolicy(policy)) {
    policy = options.defaultInboundPolicy;
  }
  if (portInList(inherited(model, w, ns, kRequireIdentity), port) &&
      policy.ends_with("-unauthenticated")) {
    policy = policy.substr(0, policy.find('-')) + "-authenticated";
  }
  return policy;
}

bool namesDefaultPolicy(const std::map<std::string, std::string>& annotations) {
  return annotations.contains(kDefaultPolicy) || annotations.contains(kRequireIdentity);
}

bool annotatedDefaultPolicy(const config::Model& model, const config::ExternalWorkload& w) {
  return !inherited(model, &w, w.ns, kDefaultPolicy).empty() ||
         !inherited(model, &w, w.ns, kRequireIdentity).empty();
}

}  // namespace weir::policy
