#include "common/policy/clients.h"

#include "common/config/values.h"

namespace weir::policy {

std::string serviceAccountIdentity(const Options& options, const std::string& ns,
                                   const std::string& sa) {
  return sa + "." + namespaceIdentitySuffix(options, ns);
}

std::string namespaceIdentitySuffix(const Options& options, const std::string& ns) {
  return ns + ".serviceaccount.identity." + options.controlPlaneNamespace + "." +
         options.trustDomain;
}

void addIdentity(const std::string& text, v1::Authentication::MeshTls& out) {
  if (text == "*") {
    out.add_suffixes("");
  } else if (text.starts_with("*.")) {
    out.add_suffixes(text.substr(2));
  } else {
    out.add_identities(text);
  }
}

v1::IpNetwork ipNetwork(const config::Cidr& cidr) {
  v1::IpNetwork out;
  if (cidr.ipv6) {
    out.mutable_ip()->set_ipv6(std::string(cidr.address.begin(), cidr.address.end()));
  } else {
    const auto& a = cidr.address;
    out.mutable_ip()->set_ipv4(uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 |
                               uint32_t{a[3]});
  }
  out.set_prefix_len(cidr.prefixLength);
  return out;
}

v1::Network network(const config::Network& net) {
  v1::Network out;
  *out.mutable_net() = ipNetwork(net.cidr);
  for (const config::Cidr& hole : net.except) {
    *out.add_except() = ipNetwork(hole);
  }
  return out;
}

std::vector<v1::Network> allNetworks() {
  std::vector<v1::Network> out(2);
  out[0].mutable_net()->mutable_ip()->set_ipv4(0);
  out[0].mutable_net()->set_prefix_len(0);
  out[1].mutable_net()->mutable_ip()->set_ipv6(std::string(16, '\0'));
  out[1].mutable_net()->set_prefix_len(0);
  return out;
}

std::vector<v1::Network> clusterNetworks(const Options& options) {
  std::vector<v1::Network> out;
  for (const std::string& text : options.clusterNetworks) {
    config::Network net;
    if (!config::parseCidr(text, net.cidr)) {
      out.push_back(network(net));
    }
  }
  return out;
}

}  // namespace weir::policy
