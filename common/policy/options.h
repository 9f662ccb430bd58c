#pragma once

// Settings of the Policy service that Linkerd takes from its install values.

#include <string>
#include <vector>

namespace weir::policy {

struct Options {
  // Authorities "<name>.<ns>.svc.<clusterDomain>"; Linkerd's --cluster-domain.
  std::string clusterDomain = "cluster.local";
  // Identities are "<sa>.<ns>.serviceaccount.identity.<controlPlaneNamespace>.<trustDomain>".
  std::string controlPlaneNamespace = "linkerd";
  std::string trustDomain = "cluster.local";
  // Linkerd's proxy.defaultInboundPolicy: the policy of a port no Server selects, unless the
  // workload or its namespace says otherwise (config.linkerd.io/default-inbound-policy).
  std::string defaultInboundPolicy = "all-unauthenticated";
  // Linkerd's clusterNetworks: the clients of "cluster-*" policies, and of authorizations that
  // name no network.
  std::vector<std::string> clusterNetworks = {"10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12",
                                              "192.168.0.0/16", "fd00::/8"};
};

}  // namespace weir::policy
