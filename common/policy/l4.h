#pragma once

// Inbound policy compiled for the kernel fast path (weir.v1 L4Authorization): a connection
// between two meshed workloads of one node, where the kernel knows the client by its cgroup and
// so by its identity, and nothing else — not its address as the proxy sees it, not its requests.
// The same authorizations the proxy gets (authz.h), reduced to what an identity alone decides.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/model.h"
#include "common/policy/options.h"
#include "weir/v1/policy.pb.h"

namespace weir::policy {

// Values as weir.v1.L4Verdict and WEIR_AUTHZ_*: the zero value sends to the proxy.
enum class Verdict : uint8_t { kProxy = 0, kAllow = 1, kDeny = 2 };

// The clients one authorization admits, by identity.
struct Admission {
  bool anyone = false;                  // no authentication, or any mesh identity
  std::vector<std::string> identities;  // exact
  std::vector<std::string> suffixes;    // matched on label boundaries; never empty strings

  // Whether `identity` is admitted; "" stands for an identity no authorization names.
  bool admits(const std::string& identity) const;
  bool operator==(const Admission&) const = default;
};

// What decides connections to one workload port.
struct PortAccess {
  std::vector<Admission> allow;    // admit whatever the client's address and requests
  std::vector<Admission> depends;  // admit only some addresses, or requests of some routes

  bool operator==(const PortAccess&) const = default;
};

// Reduces a port's authorizations: connection-level ones whose networks hold every meshed
// client (any address, or the cluster networks) go to `allow`; those with other networks, and
// those of routes, to `depends`.
PortAccess reduce(const std::vector<v1::Authorization>& connection,
                  const std::vector<v1::Authorization>& routes, const Options& options);

// ALLOW when an `allow` admission admits the identity, else PROXY when a `depends` one could,
// else DENY. Identity "" is the port's verdict for identities no authorization names.
Verdict verdictFor(const PortAccess& access, const std::string& identity);

// The access of a port of `w` that has a policy of its own: its Server's (with the
// AuthorizationPolicies of the HTTPRoutes attached to it), or a default policy other than the
// cluster's. Nothing when the port follows the cluster's default (clusterDefaultVerdict).
std::optional<PortAccess> portAccess(const config::Model& model, const config::ExternalWorkload& w,
                                     uint16_t port, const Options& options);

// The ports of `w` some Server selects (Servers by number, or by the name of a port of `w`).
std::vector<uint16_t> serverPorts(const config::Model& model, const config::ExternalWorkload& w);

// Options::defaultInboundPolicy compiled: all-* and cluster-* (meshed clients are in the cluster)
// and audit ALLOW, deny DENY.
Verdict clusterDefaultVerdict(const Options& options);

}  // namespace weir::policy
