#pragma once

// Who a client is, as Linkerd's policy controller writes it: identities (exact names and
// suffixes) and networks.

#include <string>
#include <vector>

#include "common/config/model.h"
#include "common/policy/options.h"
#include "weir/v1/policy.pb.h"

namespace weir::policy {

// "<sa>.<ns>.serviceaccount.identity.<control-plane ns>.<trust domain>".
std::string serviceAccountIdentity(const Options& options, const std::string& ns,
                                   const std::string& sa);
// The suffix every service account identity of `ns` ends with.
std::string namespaceIdentitySuffix(const Options& options, const std::string& ns);

// Linkerd's IdentityMatch: "*" is every identity (the empty suffix), "*.<rest>" the suffix
// <rest>, anything else (a DNS-like name, a SPIFFE ID) an exact identity.
void addIdentity(const std::string& text, v1::Authentication::MeshTls& out);

v1::IpNetwork ipNetwork(const config::Cidr& cidr);
v1::Network network(const config::Network& net);
// 0.0.0.0/0 and ::/0.
std::vector<v1::Network> allNetworks();
// Options::clusterNetworks; entries that are no CIDR are left out.
std::vector<v1::Network> clusterNetworks(const Options& options);

}  // namespace weir::policy
