#include "common/config/claims.h"

#include <algorithm>

namespace weir::config {

namespace {

std::string key(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    out.append(p).push_back('\0');
  }
  return out;
}

std::string nameKey(std::string_view kind, const std::string& ns, const std::string& name) {
  return key({"name", kind, ns, name});
}

// Workload IPs are unique, and never a service's clusterIP; services may share a clusterIP on
// different ports, each clusterIP:port once.
std::string workloadIP(uint32_t ip) { return key({"wip", std::to_string(ip)}); }
std::string clusterIP(uint32_t ip) { return key({"cip", std::to_string(ip)}); }

void claimsOfService(const ParsedService& p, std::vector<Claim>& out) {
  const Service& s = p.service;
  out.push_back({nameKey("Service", s.ns, s.name)});
  if (s.clusterIP != 0) {
    out.push_back({clusterIP(s.clusterIP), false, workloadIP(s.clusterIP)});
    for (const ServicePort& port : s.ports) {
      out.push_back({key({"vip", std::to_string(s.clusterIP), std::to_string(port.port)})});
    }
  }
}

void claimsOfWorkload(const ParsedWorkload& p, std::vector<Claim>& out) {
  const ExternalWorkload& w = p.workload;
  out.push_back({nameKey("ExternalWorkload", w.ns, w.name)});
  for (uint32_t ip : w.ips) {
    out.push_back({workloadIP(ip), true, clusterIP(ip)});
  }
}

template <typename T>
std::string kindOf();
template <> std::string kindOf<Namespace>() { return "Namespace"; }
template <> std::string kindOf<ServiceAccount>() { return "ServiceAccount"; }
template <> std::string kindOf<ServiceProfile>() { return "ServiceProfile"; }
template <> std::string kindOf<TrafficSplit>() { return "TrafficSplit"; }
template <> std::string kindOf<Server>() { return "Server"; }
template <> std::string kindOf<ServerAuthorization>() { return "ServerAuthorization"; }
template <> std::string kindOf<AuthorizationPolicy>() { return "AuthorizationPolicy"; }
template <> std::string kindOf<MeshTLSAuthentication>() { return "MeshTLSAuthentication"; }
template <> std::string kindOf<NetworkAuthentication>() { return "NetworkAuthentication"; }

template <typename T>
void claimsOfNamed(const Parsed<T>& p, std::vector<Claim>& out) {
  if constexpr (std::is_same_v<T, Namespace>) {
    out.push_back({nameKey("Namespace", "", p.object.name)});
  } else if constexpr (std::is_same_v<T, HttpRoute>) {
    // The two groups' HTTPRoutes are different kinds (validate.cc).
    out.push_back({nameKey(p.object.group + "/HTTPRoute", p.object.ns, p.object.name)});
  } else {
    out.push_back({nameKey(kindOf<T>(), p.object.ns, p.object.name)});
    if constexpr (std::is_same_v<T, TrafficSplit>) {
      out.push_back({key({"split", p.object.ns, p.object.service})});
    }
  }
}

}  // namespace

std::vector<Claim> claimsOf(const ParsedObject& object) {
  std::vector<Claim> out;
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, ParsedService>) {
          claimsOfService(o, out);
        } else if constexpr (std::is_same_v<T, ParsedWorkload>) {
          claimsOfWorkload(o, out);
        } else if constexpr (!std::is_same_v<T, std::monostate>) {
          claimsOfNamed(o, out);
        }
      },
      object);
  std::sort(out.begin(), out.end(), [](const Claim& a, const Claim& b) { return a.key < b.key; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Claim& a, const Claim& b) { return a.key == b.key; }),
            out.end());
  return out;
}

bool ClaimIndex::fits(const Claim& claim) const {
  auto taken = [this](const std::string& k) {
    auto it = counts_.find(k);
    return it != counts_.end() && it->second > 0;
  };
  if (!claim.excludes.empty() && taken(claim.excludes)) {
    return false;
  }
  if (claim.exclusive && taken(claim.key)) {
    return false;
  }
  return true;
}

bool ClaimIndex::add(const std::vector<Claim>& claims) {
  size_t done = 0;
  for (; done < claims.size(); ++done) {
    if (!fits(claims[done])) {
      break;
    }
    ++counts_[claims[done].key];
  }
  if (done == claims.size()) {
    return true;
  }
  remove(std::vector<Claim>(claims.begin(), claims.begin() + static_cast<long>(done)));
  return false;
}

void ClaimIndex::remove(const std::vector<Claim>& claims) {
  for (const Claim& c : claims) {
    auto it = counts_.find(c.key);
    if (it != counts_.end() && --it->second <= 0) {
      counts_.erase(it);
    }
  }
}

}  // namespace weir::config
