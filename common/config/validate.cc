#include "common/config/validate.h"

#include <algorithm>
#include <tuple>

#include "common/config/ipv4.h"

namespace weir::config {

namespace {

// "file:line"
std::string where(const SourceRef& at) {
  return at.line > 0 ? at.file + ":" + std::to_string(at.line) : at.file;
}

// "Service/other (file:line)"
std::string ref(const std::string& object, const SourceRef& at) {
  return object + " (" + where(at) + ")";
}

template <typename T>
void sortByNsName(std::vector<T>& objects) {
  std::sort(objects.begin(), objects.end(),
            [](const T& a, const T& b) { return std::tie(a.ns, a.name) < std::tie(b.ns, b.name); });
}

std::string nsName(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace

void ModelBuilder::add(ParsedService parsed, std::vector<Diagnostic>& errors) {
  Service& svc = parsed.service;
  const std::string object = "Service/" + svc.name;
  size_t before = errors.size();
  auto fail = [&](SourceRef at, std::string field, std::string reason) {
    errors.push_back(Diagnostic{std::move(at), object, std::move(field), std::move(reason)});
  };

  NsName key{svc.ns, svc.name};
  if (auto it = serviceNames_.find(key); it != serviceNames_.end()) {
    fail(parsed.nameAt, "metadata.name",
         svc.ns + "/" + svc.name + " already defined (" + where(it->second.at) + ")");
  }
  if (svc.clusterIP != 0) {
    std::string ip = formatIPv4(svc.clusterIP);
    for (const ServicePort& port : svc.ports) {
      auto it = servicePorts_.find({svc.clusterIP, port.port});
      if (it != servicePorts_.end()) {
        fail(parsed.clusterIPAt, "spec.clusterIP",
             ip + ":" + std::to_string(port.port) + " already used by " +
                 ref(it->second.object, it->second.at));
      }
    }
    if (auto it = workloadIPs_.find(svc.clusterIP); it != workloadIPs_.end()) {
      fail(parsed.clusterIPAt, "spec.clusterIP",
           ip + " is a workload IP of " + ref(it->second.object, it->second.at));
    }
  }
  if (errors.size() != before) {
    return;
  }

  serviceNames_.emplace(key, Owner{object, parsed.nameAt});
  if (svc.clusterIP != 0) {
    clusterIPs_.emplace(svc.clusterIP, Owner{object, parsed.clusterIPAt});
    for (const ServicePort& port : svc.ports) {
      servicePorts_.emplace(std::pair(svc.clusterIP, port.port), Owner{object, parsed.clusterIPAt});
    }
  }
  model_.services.push_back(std::move(svc));
}

void ModelBuilder::add(ParsedWorkload parsed, std::vector<Diagnostic>& errors) {
  ExternalWorkload& wl = parsed.workload;
  const std::string object = parsed.kind + "/" + wl.name;
  size_t before = errors.size();
  auto fail = [&](SourceRef at, std::string field, std::string reason) {
    errors.push_back(Diagnostic{std::move(at), object, std::move(field), std::move(reason)});
  };

  NsName key{wl.ns, wl.name};
  if (auto it = workloadNames_.find(key); it != workloadNames_.end()) {
    fail(parsed.nameAt, "metadata.name",
         wl.ns + "/" + wl.name + " already defined (" + where(it->second.at) + ")");
  }
  for (size_t i = 0; i < wl.ips.size(); ++i) {
    const std::string& field = parsed.ipField[i];
    std::string ip = formatIPv4(wl.ips[i]);
    if (auto it = workloadIPs_.find(wl.ips[i]); it != workloadIPs_.end()) {
      fail(parsed.ipAt[i], field,
           ip + " already claimed by " + ref(it->second.object, it->second.at));
    }
    if (auto it = clusterIPs_.find(wl.ips[i]); it != clusterIPs_.end()) {
      fail(parsed.ipAt[i], field,
           ip + " is the clusterIP of " + ref(it->second.object, it->second.at));
    }
  }
  if (errors.size() != before) {
    return;
  }

  workloadNames_.emplace(key, Owner{object, parsed.nameAt});
  for (size_t i = 0; i < wl.ips.size(); ++i) {
    workloadIPs_.emplace(wl.ips[i], Owner{object, parsed.ipAt[i]});
  }
  model_.workloads.push_back(std::move(wl));
}

bool ModelBuilder::claimName(const std::string& kind, const std::string& object,
                             const std::string& ns, const std::string& name,
                             const SourceRef& nameAt, std::vector<Diagnostic>& errors) {
  auto [it, fresh] = names_.emplace(KindNsName{kind, ns, name}, Owner{object, nameAt});
  if (!fresh) {
    errors.push_back(
        Diagnostic{nameAt, object, "metadata.name",
                   nsName(ns, name) + " already defined (" + where(it->second.at) + ")"});
  }
  return fresh;
}

void ModelBuilder::add(Parsed<Namespace> parsed, std::vector<Diagnostic>& errors) {
  const Namespace& o = parsed.object;
  if (claimName("Namespace", "Namespace/" + o.name, "", o.name, parsed.nameAt, errors)) {
    model_.namespaces.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<ServiceAccount> parsed, std::vector<Diagnostic>& errors) {
  const ServiceAccount& o = parsed.object;
  if (claimName("ServiceAccount", "ServiceAccount/" + o.name, o.ns, o.name, parsed.nameAt,
                errors)) {
    model_.serviceAccounts.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<ServiceProfile> parsed, std::vector<Diagnostic>& errors) {
  const ServiceProfile& o = parsed.object;
  if (claimName("ServiceProfile", "ServiceProfile/" + o.name, o.ns, o.name, parsed.nameAt,
                errors)) {
    model_.serviceProfiles.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<TrafficSplit> parsed, std::vector<Diagnostic>& errors) {
  const TrafficSplit& o = parsed.object;
  const std::string object = "TrafficSplit/" + o.name;
  if (auto it = splitServices_.find({o.ns, o.service}); it != splitServices_.end()) {
    errors.push_back(Diagnostic{
        parsed.claimAt, object, "spec.service",
        nsName(o.ns, o.service) + " is already split by " + ref(it->second.object, it->second.at)});
    return;
  }
  if (claimName("TrafficSplit", object, o.ns, o.name, parsed.nameAt, errors)) {
    splitServices_.emplace(NsName{o.ns, o.service}, Owner{object, parsed.claimAt});
    model_.trafficSplits.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<HttpRoute> parsed, std::vector<Diagnostic>& errors) {
  const HttpRoute& o = parsed.object;
  // The two groups' HTTPRoutes are different kinds: each may have a route of a given name.
  if (claimName(o.group + "/HTTPRoute", "HTTPRoute/" + o.name, o.ns, o.name, parsed.nameAt,
                errors)) {
    model_.httpRoutes.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<Server> parsed, std::vector<Diagnostic>& errors) {
  const Server& o = parsed.object;
  if (claimName("Server", "Server/" + o.name, o.ns, o.name, parsed.nameAt, errors)) {
    model_.servers.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<ServerAuthorization> parsed, std::vector<Diagnostic>& errors) {
  const ServerAuthorization& o = parsed.object;
  if (claimName("ServerAuthorization", "ServerAuthorization/" + o.name, o.ns, o.name, parsed.nameAt,
                errors)) {
    model_.serverAuthorizations.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<AuthorizationPolicy> parsed, std::vector<Diagnostic>& errors) {
  const AuthorizationPolicy& o = parsed.object;
  if (claimName("AuthorizationPolicy", "AuthorizationPolicy/" + o.name, o.ns, o.name, parsed.nameAt,
                errors)) {
    model_.authorizationPolicies.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<MeshTLSAuthentication> parsed, std::vector<Diagnostic>& errors) {
  const MeshTLSAuthentication& o = parsed.object;
  if (claimName("MeshTLSAuthentication", "MeshTLSAuthentication/" + o.name, o.ns, o.name,
                parsed.nameAt, errors)) {
    model_.meshTLSAuthentications.push_back(std::move(parsed.object));
  }
}

void ModelBuilder::add(Parsed<NetworkAuthentication> parsed, std::vector<Diagnostic>& errors) {
  const NetworkAuthentication& o = parsed.object;
  if (claimName("NetworkAuthentication", "NetworkAuthentication/" + o.name, o.ns, o.name,
                parsed.nameAt, errors)) {
    model_.networkAuthentications.push_back(std::move(parsed.object));
  }
}

Model ModelBuilder::finish() && {
  sortByNsName(model_.services);
  sortByNsName(model_.workloads);
  std::sort(model_.namespaces.begin(), model_.namespaces.end(),
            [](const Namespace& a, const Namespace& b) { return a.name < b.name; });
  sortByNsName(model_.serviceAccounts);
  sortByNsName(model_.serviceProfiles);
  sortByNsName(model_.trafficSplits);
  std::sort(model_.httpRoutes.begin(), model_.httpRoutes.end(),
            [](const HttpRoute& a, const HttpRoute& b) {
              return std::tie(a.ns, a.name, a.group) < std::tie(b.ns, b.name, b.group);
            });
  sortByNsName(model_.servers);
  sortByNsName(model_.serverAuthorizations);
  sortByNsName(model_.authorizationPolicies);
  sortByNsName(model_.meshTLSAuthentications);
  sortByNsName(model_.networkAuthentications);
  return std::move(model_);
}

}  // namespace weir::config
