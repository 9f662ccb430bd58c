#pragma once

// Policy.WatchInbound compiled: the policy of one port of one workload at one published version.

#include <cstdint>
#include <string>

#include "control/destination/catalog.h"
#include "control/policy/options.h"
#include "weir/v1/policy.pb.h"

namespace weir::control::policy {

// With a Server selecting the port (destination::Catalog::serverFor): its protocol, the
// ServerAuthorizations and AuthorizationPolicies (on the Server or its namespace) that apply,
// its accessPolicy, and the HTTPRoutes attached to it with their own AuthorizationPolicies.
// Without one, the default policy (weir::policy::defaultPolicyFor); opaque when the port is in
// the workload's opaque-ports. The kernel's L4 authorizations are compiled from the same
// authorizations (common/policy/l4.h). A workload not (yet) in the model gets its namespace's
// default, and the stream follows when it appears.
v1::InboundServer compileInbound(const destination::Catalog& catalog, const std::string& ns,
                                 const std::string& name, uint16_t port, const Options& options);

}  // namespace weir::control::policy
