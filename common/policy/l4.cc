#include "common/policy/l4.h"

#include <algorithm>

#include "common/policy/authz.h"
#include "common/policy/clients.h"
#include "common/policy/selection.h"

namespace weir::policy {

namespace {

template <typename Networks>
bool sameNetworks(const Networks& a, const std::vector<v1::Network>& b) {
  if (static_cast<size_t>(a.size()) != b.size()) {
    return false;
  }
  for (size_t i = 0; i < b.size(); ++i) {
    if (a[static_cast<int>(i)].SerializeAsString() != b[i].SerializeAsString()) {
      return false;
    }
  }
  return true;
}

// Whether the networks hold every meshed client of a node: an IPv4 net covering every address
// (the fast path joins IPv4 sockets only), or the cluster networks, which hold the cluster's
// workloads by definition.
bool everyMeshedClient(const v1::Authorization& authz, const Options& options) {
  for (const v1::Network& net : authz.networks()) {
    if (net.net().ip().ip_case() == v1::IpAddress::kIpv4 && net.net().prefix_len() == 0 &&
        net.except_size() == 0) {
      return true;
    }
  }
  return sameNetworks(authz.networks(), clusterNetworks(options));
}

// Nothing when the authorization admits no identity at all.
std::optional<Admission> admission(const v1::Authorization& authz) {
  const v1::Authentication& authn = authz.authentication();
  Admission out;
  if (authn.has_unauthenticated()) {
    out.anyone = true;
    return out;
  }
  for (const std::string& suffix : authn.mesh_tls().suffixes()) {
    if (suffix.empty()) {
      out.anyone = true;
      return out;
    }
    out.suffixes.push_back(suffix);
  }
  out.identities.assign(authn.mesh_tls().identities().begin(), authn.mesh_tls().identities().end());
  if (out.identities.empty() && out.suffixes.empty()) {
    return std::nullopt;
  }
  return out;
}

bool anyAdmits(const std::vector<Admission>& admissions, const std::string& identity) {
  return std::any_of(admissions.begin(), admissions.end(),
                     [&](const Admission& a) { return a.admits(identity); });
}

// Protocols whose requests go through the Server's HTTPRoutes (control/policy/inbound.cc).
bool routesHttp(const config::Server& server) {
  return server.proxyProtocol != "gRPC" && server.proxyProtocol != "opaque" &&
         server.proxyProtocol != "TLS";
}

}  // namespace

bool Admission::admits(const std::string& identity) const {
  if (anyone) {
    return true;
  }
  if (identity.empty()) {
    return false;
  }
  if (std::find(identities.begin(), identities.end(), identity) != identities.end()) {
    return true;
  }
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const std::string& s) {
    return identity.size() > s.size() && identity.ends_with(s) &&
           identity[identity.size() - s.size() - 1] == '.';
  });
}

PortAccess reduce(const std::vector<v1::Authorization>& connection,
                  const std::vector<v1::Authorization>& routes, const Options& options) {
  PortAccess out;
  for (const v1::Authorization& authz : connection) {
    if (authz.networks_size() == 0) {
      continue;  // no network: the authorization matches no client
    }
    if (auto a = admission(authz)) {
      (everyMeshedClient(authz, options) ? out.allow : out.depends).push_back(std::move(*a));
    }
  }
  for (const v1::Authorization& authz : routes) {
    if (auto a = admission(authz)) {
      out.depends.push_back(std::move(*a));
    }
  }
  return out;
}

Verdict verdictFor(const PortAccess& access, const std::string& identity) {
  if (anyAdmits(access.allow, identity)) {
    return Verdict::kAllow;
  }
  return anyAdmits(access.depends, identity) ? Verdict::kProxy : Verdict::kDeny;
}

std::optional<PortAccess> portAccess(const config::Model& model, const config::ExternalWorkload& w,
                                     uint16_t port, const Options& options) {
  if (const config::Server* server = serverFor(model, w, port)) {
    std::vector<v1::Authorization> routes;
    if (routesHttp(*server)) {
      for (const config::HttpRoute& route : model.httpRoutes) {
        if (attachedTo(route, *server)) {
          for (v1::Authorization& authz : routeAuthorizations(model, route, options)) {
            routes.push_back(std::move(authz));
          }
        }
      }
    }
    return reduce(serverAuthorizations(model, *server, options), routes, options);
  }
  std::string policy = defaultPolicyFor(model, &w, w.ns, port, options);
  if (policy == options.defaultInboundPolicy) {
    return std::nullopt;
  }
  std::vector<v1::Authorization> granted;
  if (auto authz = defaultAuthorization(policy, options)) {
    granted.push_back(std::move(*authz));
  }
  return reduce(granted, {}, options);
}

std::vector<uint16_t> serverPorts(const config::Model& model, const config::ExternalWorkload& w) {
  std::vector<uint16_t> out;
  auto it =
      std::lower_bound(model.servers.begin(), model.servers.end(), w.ns,
                       [](const config::Server& s, const std::string& ns) { return s.ns < ns; });
  for (; it != model.servers.end() && it->ns == w.ns; ++it) {
    if (!config::matches(it->selector, w.labels)) {
      continue;
    }
    if (it->portName.empty()) {
      out.push_back(it->port);
    }
    for (const config::WorkloadPort& wp : w.ports) {
      if (!it->portName.empty() && wp.name == it->portName) {
        out.push_back(wp.port);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Verdict clusterDefaultVerdict(const Options& options) {
  std::vector<v1::Authorization> granted;
  if (auto authz = defaultAuthorization(options.defaultInboundPolicy, options)) {
    granted.push_back(std::move(*authz));
  }
  return verdictFor(reduce(granted, {}, options), "");
}

}  // namespace weir::policy
